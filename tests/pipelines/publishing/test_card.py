from __future__ import annotations

import datasets
import pytest

from pipelines.publishing.card import features_yaml
from pipelines.publishing.config import parse_splits
from pipelines.publishing.parquet import split_of
from pipelines.publishing.schema import SCHEMAS


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_features_yaml_is_what_datasets_writes(name):
    schema = SCHEMAS[name]
    assert features_yaml(schema) == datasets.Features.from_arrow_schema(schema)._to_yaml_list()


def test_splits_are_stable_and_follow_ratios():
    splits = parse_splits("train=0.8,validation=0.1,test=0.1")
    keys = [f"http://site.example/news/{i}" for i in range(5000)]
    first = [split_of(k, splits) for k in keys]
    assert first == [split_of(k, splits) for k in keys]
    share = first.count("train") / len(keys)
    assert 0.77 < share < 0.83
    assert split_of("http://site.example/news/1", (("train", 1.0),)) == "train"


@pytest.mark.parametrize("bad", ["train=0.5", "train=0.5,dev=0.5", "train=x,test=1", ""])
def test_bad_split_settings_are_refused(bad):
    with pytest.raises(ValueError, match="DATASET_SPLITS"):
        parse_splits(bad)
