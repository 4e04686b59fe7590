"""Test and benchmark support: the server launcher, in-process calls, canonical request bodies, fakes."""
