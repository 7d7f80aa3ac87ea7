"""One plain function per command, returning a typed outcome; no printing."""
