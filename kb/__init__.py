"""Knowledge sources (ABox) of CPKB, their compiler and the store layer."""
