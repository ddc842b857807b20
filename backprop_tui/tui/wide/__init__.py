"""The app for networks of several neurons a layer (``backprop-tui --shape 2,2,1``)."""
