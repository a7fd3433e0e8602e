"""Networks, crossbars, data, encoders, the Brian2 and snnTorch boundaries, and the CLI."""
