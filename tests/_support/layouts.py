"""Memory layouts of the same values, for the layout matrix of docs/reliability.md (ii) 8.

Every helper returns arrays that compare equal to the input but are laid out
differently in memory.  Freshly allocated buffers are filled with a sentinel
first, so a loop that reads memory it should not read gives a visible error.
"""
import numpy as np

SENTINEL = -1.2345e30   # representable in float32 and float64


def _filled(shape, dtype):
    return np.full(shape, SENTINEL, dtype=dtype)


def strided(a, k=3):
    """Same values, every k-th element of a larger buffer (last axis strided)."""
    a = np.asarray(a)
    big = _filled(a.shape[:-1] + (a.shape[-1] * k,), a.dtype) if a.ndim else _filled((), a.dtype)
    if a.ndim == 0:
        big[...] = a
        return big
    big[..., ::k] = a
    return big[..., ::k]


def reversed_(a):
    """Same values, read through a negative stride."""
    a = np.asarray(a)
    buf = np.ascontiguousarray(a[..., ::-1]) if a.ndim else a.copy()
    return buf[..., ::-1] if a.ndim else buf


def fortran(a):
    return np.asfortranarray(a)


def byteswapped(a):
    """Same values in non-native byte order."""
    a = np.asarray(a)
    return a.astype(a.dtype.newbyteorder())


def misaligned(a):
    """Same values in a buffer whose data pointer is not aligned for the dtype."""
    a = np.ascontiguousarray(a)
    raw = np.zeros(a.nbytes + 1, dtype=np.uint8)
    out = raw[1:].view(a.dtype).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned
    return out


def readonly(a):
    out = np.array(a)
    out.flags.writeable = False
    return out


def zero_stride(a):
    """A 1-d array whose elements all share one memory location (broadcast view)."""
    a = np.asarray(a)
    return np.broadcast_to(a.reshape(-1)[:1], a.shape)


LAYOUTS = {
    "contiguous": np.ascontiguousarray,
    "strided": strided,
    "negative-stride": reversed_,
    "fortran": fortran,
    "byteswapped": byteswapped,
    "misaligned": misaligned,
    "readonly": readonly,
}
