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
    assert "240 train / 80 calibration / 80 test" in out
    assert "MAPIE split conformal" in out
    assert len(figures["pearson_members"]) == 2
    assert 0 <= figures["coverage_conformal"] <= 1 and np.isfinite(figures["pearson_ensemble"])
