"""Device failure forecasting: the LightGBM model and its held-out metrics."""
