import gc

import pytest

from relance.core.batch import no_cyclic_gc


def test_the_collector_is_paused_inside_and_restored_after_even_on_error():
    assert gc.isenabled()
    with no_cyclic_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), no_cyclic_gc():
        _ = 1 / 0
    assert gc.isenabled()
