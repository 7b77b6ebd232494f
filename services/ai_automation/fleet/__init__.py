"""Synthetic homes at fleet scale: the local generator's homes as Parquet parts, one Dask task per block."""
