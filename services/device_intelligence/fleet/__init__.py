"""Device intelligence at fleet scale: device-days from Parquet homes, batched and Dask training, batch scoring."""
