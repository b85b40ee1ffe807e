"""Record writers: the exact text each real tool writes, one pure function per record kind."""
