"""Drawn figures of structures (neurons, networks, convolution windows, unrolled recurrences).

A facade: each drawing lives in the module of the chapter that first needs it (see
:mod:`nnlib.curriculum`). The drawings use matplotlib only, so they are reproducible and tested
like any other figure.
"""
