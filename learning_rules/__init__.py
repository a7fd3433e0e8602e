"""How updates become pulses (in-situ rules) and how offline training sees the device."""
