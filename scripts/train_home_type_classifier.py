#!/usr/bin/env python3
"""Train the home-type classifier on a folder of home files; see `--help` and README.md.

Compatible with the original line:
    python scripts/train_home_type_classifier.py --synthetic-homes tests/datasets/synthetic_homes_10x30 \
        --output models/home_type_classifier_10x30.pkl --test-size 0.2
Exit status: 0 when the quality gates passed, 1 when a gate failed, 2 for bad input.
"""

if __name__ == "__main__":
    # Imported here, not at the top: the feature-extraction worker processes (spawn) re-import this
    # file, and a bare launcher spares each of them scikit-learn's two-second import.
    from ai_automation.home_type.cli import main

    raise SystemExit(main())
