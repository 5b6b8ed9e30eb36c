"""Real key presses on an X display (the XTEST extension through libXtst, with ctypes): what a user's
keyboard sends, for the end-to-end tests of the real application."""

from __future__ import annotations

import ctypes
import ctypes.util
import time


class X11Keyboard:
    def __init__(self, display: str) -> None:
        x11 = ctypes.util.find_library("X11")
        xtst = ctypes.util.find_library("Xtst")
        if not x11 or not xtst:
            raise RuntimeError("libX11 and libXtst are needed for real key presses")
        self.x = ctypes.CDLL(x11)
        self.t = ctypes.CDLL(xtst)
        self.x.XOpenDisplay.restype = ctypes.c_void_p
        self.x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x.XStringToKeysym.restype = ctypes.c_ulong
        self.x.XStringToKeysym.argtypes = [ctypes.c_char_p]
        self.x.XKeysymToKeycode.restype = ctypes.c_ubyte
        self.x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self.x.XFlush.argtypes = [ctypes.c_void_p]
        self.x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.t.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        self.t.XTestFakeMotionEvent.argtypes = [
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_ulong,
        ]
        self.dpy = self.x.XOpenDisplay(display.encode())
        if not self.dpy:
            raise RuntimeError(f"cannot open the X display {display}")

    def move(self, x: int, y: int) -> None:
        self.t.XTestFakeMotionEvent(self.dpy, -1, x, y, 0)
        self.x.XFlush(self.dpy)

    def _code(self, key: str) -> int:
        code = int(self.x.XKeysymToKeycode(self.dpy, self.x.XStringToKeysym(key.encode())))
        if not code:
            raise ValueError(f"no key code for {key}")
        return code

    def press(self, *keys: str) -> None:
        """Press the keys in order and release them in reverse (``press("Control_L", "a")``)."""
        codes = [self._code(k) for k in keys]
        for code in codes:
            self.t.XTestFakeKeyEvent(self.dpy, code, 1, 0)
            self.x.XFlush(self.dpy)
            time.sleep(0.03)
        for code in reversed(codes):
            self.t.XTestFakeKeyEvent(self.dpy, code, 0, 0)
            self.x.XFlush(self.dpy)
            time.sleep(0.03)

    def close(self) -> None:
        self.x.XCloseDisplay(self.dpy)
