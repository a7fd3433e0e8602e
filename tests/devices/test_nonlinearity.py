from __future__ import annotations

import numpy as np
import pytest

from devices.nonlinearity import GAP_PER_NL, a_from_nl, gap, nl_from_a

# DESIGN.md 2.1: a = A / P_max for |NL|.
TABLE = {0.5: 2.5199, 1: 1.2517, 1.94: 0.6292, 2: 0.6090, 2.4: 0.4992, 3: 0.3868, 3.68: 0.3006,
         4.88: 0.2003, 6: 0.1356, 6.76: 0.1003}


@pytest.mark.parametrize("nl, a", TABLE.items())
def test_table_of_a_over_pmax_to_four_digits(nl: float, a: float) -> None:
    assert round(a_from_nl(nl), 4) == a
    assert round(a_from_nl(-nl), 4) == -a


def test_gap_is_the_largest_distance_to_the_diagonal() -> None:
    # Brute force over a fine grid of x, independent of the closed form.
    x = np.linspace(0, 1, 200_001)
    for a in (0.05, 0.2, 0.5, 1.3, 7.0, 50.0):
        curve = (1 - np.exp(-x / a)) / (1 - np.exp(-1 / a))
        assert gap(a) == pytest.approx(np.max(curve - x), rel=1e-8, abs=1e-12)


def test_inverse_round_trip_vectorised() -> None:
    nl = np.array([-9.0, -4.88, -0.01, 0.0, 0.04, 2.4, 8.99])
    a = a_from_nl(nl)
    assert a.shape == nl.shape and np.isinf(a[3]) and a[3] > 0
    np.testing.assert_allclose(nl_from_a(a), nl, rtol=1e-10, atol=1e-12)
    # The definition: the largest gap is 0.0989949 |NL|.
    np.testing.assert_allclose(gap(np.abs(a[nl != 0])), GAP_PER_NL * np.abs(nl[nl != 0]),
                               rtol=1e-10)


@pytest.mark.parametrize("bad", [9.5, -12.0, np.nan, np.inf])
def test_unsolvable_labels_are_rejected(bad: float) -> None:
    with pytest.raises(ValueError, match=r"nl_ltp = .* is invalid: \|NL\| must be in \[0, 9"):
        a_from_nl(bad, field="nl_ltp")
