import csv
import io
import json

from apps.exports import tabular

COLUMNS = [
    tabular.Column("text", lambda r: r[0], text=True),
    tabular.Column("number", lambda r: r[1]),
    tabular.Column("enum", lambda r: r[2]),
]


def _read(rows) -> list[list[str]]:
    data = b"".join(tabular.csv_chunks(COLUMNS, rows)).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data, newline="")))


def test_text_cells_that_start_like_a_formula_are_prefixed_with_a_quote():
    triggers = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]
    parsed = _read([(value, None, None) for value in triggers])
    assert [row[0] for row in parsed[1:]] == [f"'{value}" for value in triggers]


def test_ordinary_text_and_formula_characters_later_in_a_cell_are_kept():
    parsed = _read([("milk = good", None, None), ("a-b", None, None), ("'quoted", None, None)])
    assert [row[0] for row in parsed[1:]] == ["milk = good", "a-b", "'quoted"]


def test_negative_numbers_stay_numbers_and_integral_floats_lose_their_decimal_point():
    parsed = _read([("x", -2.0, None), ("x", -2.5, None), ("x", 20, None), ("x", 0.1, None)])
    assert [row[1] for row in parsed[1:]] == ["-2", "-2.5", "20", "0.1"]


def test_only_text_columns_are_neutralised():
    assert _read([("x", None, "-enum")])[1][2] == "-enum"


def test_commas_quotes_line_breaks_and_unicode_round_trip_through_a_csv_reader():
    tricky = ['a,b', 'say "hi"', "line1\nline2", "line1\r\nline2", "Kéfir 🥛 ñ 日本"]
    parsed = _read([(value, None, None) for value in tricky])
    assert [row[0] for row in parsed[1:]] == tricky


def test_the_document_is_utf8_with_a_bom_crlf_line_ends_and_one_header_row():
    data = b"".join(tabular.csv_chunks(COLUMNS, [("a", 1, "b")]))
    assert data.startswith(b"\xef\xbb\xbf")
    assert data == "\ufefftext,number,enum\r\na,1,b\r\n".encode()


def test_missing_values_are_empty_cells():
    assert _read([(None, None, None)])[1] == ["", "", ""]


def test_large_documents_come_in_several_chunks():
    chunks = list(tabular.csv_chunks(COLUMNS, (("x" * 100, i, "e") for i in range(5000))))
    assert len(chunks) > 5
    assert all(len(chunk) < tabular.CHUNK_CHARS * 2 for chunk in chunks)


def test_json_arrays_stream_one_object_per_row_with_raw_values():
    data = b"".join(tabular.json_array_chunks(COLUMNS, [("=x", -2.0, "e"), ("ü", 1.5, None)]))
    assert json.loads(data) == [{"text": "=x", "number": -2, "enum": "e"}, {"text": "ü", "number": 1.5, "enum": None}]


def test_an_empty_json_array_is_valid():
    assert json.loads(b"".join(tabular.json_array_chunks(COLUMNS, []))) == []
