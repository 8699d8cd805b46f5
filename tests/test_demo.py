import numpy as np

from uqgenomics import demo
from uqgenomics.datasets import make_regulatory_sequences


def test_demo_on_a_user_table(tmp_path, capsys):
    X, y = make_regulatory_sequences(400, length=40, random_state=0)
    path = tmp_path / "table.tsv"
    path.write_text("seq\tactivity\n" + "".join(f"{s}\t{v}\n" for s, v in zip(X, y)))
    figures = demo.main([
        "--data", str(path), "--target-column", "activity", "--n-estimators", "2",
        "--epochs", "3",
    ])
    out = capsys.readouterr().out
    assert "240 train / 40 recalibration / 40 conformal calibration / 80 test" in out
    assert "recalibrated + conformal (floored std)" in out and "constant width" in out
    assert "The ensemble alone is" in out and "The uncertainty" in out
    assert len(figures["pearson_members"]) == 2
    assert 0 <= figures["coverage_conformal"] <= 1 and np.isfinite(figures["pearson_ensemble"])
    assert set(figures["intervals"]) == {"raw", "recalibrated", "conformal", "constant"}


def test_demo_keeps_both_strands_of_a_sequence_together(tmp_path, capsys):
    from uqgenomics.encoding import reverse_complement
    X, y = make_regulatory_sequences(200, length=40, random_state=0)
    both = np.concatenate([X, reverse_complement(list(X))])
    train, recal, conf, test, groups = demo._split(both, seed=0)
    sides = [set(groups[rows]) for rows in (train, recal, conf, test)]
    assert sum(len(side) for side in sides) == 200  # no group on two sides
    assert sorted(np.concatenate([train, recal, conf, test]).tolist()) == list(range(400))
