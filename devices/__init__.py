"""Memristor device physics: numpy arrays in SI units (S, V, s, A, J)."""
