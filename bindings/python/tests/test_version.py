"""The load-time version check: same major as MIN_VERSION and at least it, or a clear error."""

import pytest

from glide_c import _ffi


@pytest.mark.parametrize("number", [0x000200, 0x000201, 0x000300, 0x00FF00])
def test_compatible_versions_pass(number):
    _ffi.check_version(number, "libfake.so")


@pytest.mark.parametrize("number", [0x0001FF, 0x000100, 0x000000, 0x010000, 0x010200])
def test_older_or_other_major_is_refused(number):
    with pytest.raises(ImportError) as e:
        _ffi.check_version(number, "libfake.so")
    msg = str(e.value)
    assert "libfake.so" in msg
    assert _ffi.version_text(number) in msg
    assert "needs 0.2.0 or a later 0.x" in msg


def test_version_text():
    assert _ffi.version_text(0x010203) == "1.2.3"
    assert _ffi.version_text(_ffi.MIN_VERSION) == "0.2.0"


def test_loaded_library_passes_and_agrees():
    assert _ffi.version_text(_ffi.VERSION_NUMBER) == _ffi.VERSION
    assert _ffi.lib.glide_version_number() == _ffi.VERSION_NUMBER
    _ffi.check_version(_ffi.VERSION_NUMBER, "loaded")
