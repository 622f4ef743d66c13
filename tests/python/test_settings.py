# SPDX-License-Identifier: MIT
"""Every entry of libsom's settings table is a keyword of som.SOM, checked by
the library with the words `som train` uses."""
import subprocess

import numpy as np
import pytest

import som

TABLE = som.settings()

# A good value of each type (the table gives kinds and bounds, not examples).
GOOD = {"grid": [(3, 4), "3x4"], "flag": [True, False, "true"], "number": [0.5, 2], "size": None,
        "pair": None, "choice": None, "text": None}
TEXT_GOOD = {"init-codebook": "start.som", "target": "x", "weights": {"1": 2.0}}
PAIR_GOOD = {"radius": [(3, 1), 2.5, "3:1"], "rate": [(0.4, 0.01), 0.3], "inverse": [(1, 2), "1:2"]}
# A bad value of each type, as text: Python and the CLI get the same words.
BAD = {"grid": "0x3", "flag": "maybe", "number": "-1", "size": "-1", "pair": "abc", "choice": "nope",
       "text": ""}


def good_values(entry):
    kind = entry["type"]
    if kind == "choice":
        return entry["choices"]
    if kind == "size":
        return [int(entry["min"]), int(entry["min"]) + 1, str(int(entry["min"]) + 2)]
    if kind == "pair":  # an entry added later: its default, else one inside its bounds
        return PAIR_GOOD.get(entry["name"]) or [entry["default"] or "%g:%g" % (entry["min"][0] + 1,
                                                                              entry["min"][1] + 1)]
    if kind == "text":
        return [TEXT_GOOD.get(entry["name"], "x")]
    return GOOD[kind]


def test_table_is_libsom_s():
    names = [s["name"] for s in TABLE]
    for expected in ("grid", "topology", "epochs", "radius", "neighbor-rate", "seed"):
        assert expected in names
    for s in TABLE:
        assert s["keyword"] == s["name"].replace("-", "_")
        assert s["help"] and s["type"] in ("choice", "size", "number", "pair", "grid", "flag", "text")
    epochs = next(s for s in TABLE if s["name"] == "epochs")
    assert epochs["default"] == "10" and epochs["min"] == 1 and epochs["expects"] == "a whole number >= 1"


@pytest.mark.parametrize("entry", TABLE, ids=[s["name"] for s in TABLE])
def test_every_entry_is_a_keyword(entry):
    extra = {"target": "x"} if entry["name"] == "target-weight" else {}
    for value in good_values(entry):
        m = som.SOM(**{entry["keyword"]: value}, **extra)
        text = m.settings[entry["name"]]
        if entry["type"] == "choice":
            assert text == value
        elif entry["type"] == "size":
            assert text == str(value)


def cli_message(som_program, tmp_path, name, value):
    np.save(tmp_path / "x.npy", np.zeros((4, 2), np.float32))
    r = subprocess.run([som_program, "train", str(tmp_path / "x.npy"), "-o", str(tmp_path / "o.som"),
                        "--%s=%s" % (name, value)], capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    first = r.stderr.splitlines()[0]
    prefix = "som train: --"
    assert first.startswith(prefix), first
    return first[len(prefix):]


@pytest.mark.parametrize("entry", TABLE, ids=[s["name"] for s in TABLE])
def test_bad_value_same_message_as_cli(entry, som_program, tmp_path):
    bad = BAD[entry["type"]]
    with pytest.raises(som.SettingError) as e:
        som.SOM(**{entry["keyword"]: bad})
    assert isinstance(e.value, ValueError) and e.value.setting == entry["name"]
    assert str(e.value) == cli_message(som_program, tmp_path, entry["name"], bad)


def test_out_of_range_numbers_from_python_values(som_program, tmp_path):
    with pytest.raises(som.SettingError) as e:
        som.SOM(epochs=0)
    assert str(e.value) == "epochs: expected a whole number >= 1, got '0'"
    assert str(e.value) == cli_message(som_program, tmp_path, "epochs", "0")
    with pytest.raises(som.SettingError) as e:
        som.SOM(threads=5000)
    assert str(e.value) == cli_message(som_program, tmp_path, "threads", "5000")


def test_unknown_keyword_lists_the_valid_ones():
    with pytest.raises(som.SettingError) as e:
        som.SOM(epoch=3)
    msg = str(e.value)
    assert msg.startswith("unknown setting 'epoch' (valid: ")
    for s in TABLE:
        assert s["keyword"] in msg


def test_rules_between_settings_are_libsom_s():
    with pytest.raises(som.SettingError, match="iterations"):
        som.SOM(algorithm="batch", iterations=100)
    with pytest.raises(som.SettingError, match="mexican-hat"):
        som.SOM(algorithm="batch", neighborhood="mexican-hat")
    # mexican-hat alone selects online training, as on the command line
    assert som.SOM(neighborhood="mexican-hat").settings["algorithm"] == "online"
