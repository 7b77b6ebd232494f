"""The nightly job: assemble a training set (synthetic part plus confirmed real homes), retrain, gate."""
