import json

from huren.cli import main


def test_catalog_json_prints_every_item(capsys):
    assert main(["catalog", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ids = [i["id"] for i in data["items"]]
    assert "CT-QC-HU-WATER" in ids and len(ids) == len(set(ids))
