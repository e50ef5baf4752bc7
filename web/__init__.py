"""The Flask web app of CPKB."""
