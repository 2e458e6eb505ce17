"""kaoping compile: standalone modules, byte-identical output, and no way for scheme text to run."""

from __future__ import annotations

import ast
import subprocess
import sys
from fractions import Fraction

from click.testing import CliRunner

from conftest import SCHEMES, check
from kaoping.cli import main
from kaoping.compiler.emit import compile_program
from kaoping.dsl.load import check_path
from scoring_helpers import Both, load_module, unit

NASTY = r"""
方案 "标题\"\"\" + __import__('os').system('echo PWNED') + \"\"\"" {
  类别 「x'); import os; os.system('echo PWNED'); ('」 满分 3 {
    1-1 "\"\"\"\nimport os\nos.system('echo PWNED')\n\"\"\"" 权重 1 备注 "{__import__('os')}"
    1-2 "反斜杠 \\ 结尾\\" 权重 1 责任 "\\\"; raise SystemExit #"
    1-3 "{0.__class__}" 权重 1
  }
  输入 「a\"b」 满分 100
  得分 「总分'''」 = 「x'); import os; os.system('echo PWNED'); ('」 + 「a\"b」×0%
}
"""


def test_scheme_text_never_executes(tmp_path, capfd):
    r = check(NASTY)
    assert r.ok, [d.message for d in r.errors]
    source = compile_program(r.program, "evil\"\"\"'.scheme")
    tree = ast.parse(source)  # valid Python whatever the text
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported == {"gc", "math", "bisect", "decimal", "fractions"}
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "system" not in calls and "__import__" not in calls and "eval" not in calls and "exec" not in calls
    module = load_module(source, tmp_path)
    # the texts come back intact, as data
    assert module.SCHEME["title"] == "标题\"\"\" + __import__('os').system('echo PWNED') + \"\"\""
    s = module.score({"name": "甲", "values": {"1-1": "1", "1-2": "1", "1-3": "0.5", 'a\\"b': "50"}})
    assert s["problems"] == [] and s["total"] == Fraction(5, 2)  # 1 + 1 + 0.5 + 50×0%
    assert s["tree"][0]["children"][0]["label"] == "\"\"\"\nimport os\nos.system('echo PWNED')\n\"\"\""
    assert "PWNED" not in capfd.readouterr().out


def test_same_input_gives_byte_identical_output(tmp_path):
    runner = CliRunner()
    scheme = str(SCHEMES / "quanzhou-sasac-2020.scheme")
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    assert runner.invoke(main, ["compile", scheme, "-o", str(a)]).exit_code == 0
    assert runner.invoke(main, ["compile", scheme, "-o", str(b)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_generated_module_imports_only_the_standard_library(tmp_path):
    out = tmp_path / "m.py"
    assert CliRunner().invoke(main, ["compile", str(SCHEMES / "dashiqiao-2017.scheme"), "-o", str(out)]).exit_code == 0
    # run it in a fresh interpreter with site-packages disabled: nothing outside the stdlib is reachable
    code = f"import runpy; m = runpy.run_path({str(out)!r}); print(m['SCHEME']['title'])"
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "大石桥" in done.stdout


def test_generated_code_maps_back_to_scheme_lines(tmp_path):
    r = check_path(SCHEMES / "quanzhou-transport-2019.scheme")
    source = compile_program(r.program, "quanzhou-transport-2019.scheme")
    line = next(n for n in r.scheme.leaves() if n.key == "1-1-1").place.span.line
    assert "# '1-1-1'" in source and f"quanzhou-transport-2019.scheme:{line}'" in source


def test_compile_refuses_a_scheme_with_errors(tmp_path):
    bad = tmp_path / "bad.scheme"
    bad.write_text('方案 "x" { 类别 a 满分 5 { 1-1 "x" 权重 2 } }\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["compile", str(bad), "-o", str(tmp_path / "o.py")])
    assert result.exit_code == 1 and "E0301" in result.output
    assert not (tmp_path / "o.py").exists()


def test_compiled_and_interpreted_agree_on_unit_blocks(tmp_path):
    both = Both.of_text("""
    方案 "单位块" {
      类别 共同 满分 10 { 1-1 "共同任务" 权重 10 评分 直接赋分 }
      单位 "甲局" 属于 甲类 { 类别 专项 满分 5 { 9-1 "专项" 权重 5 } }
      单位类别 甲类 { 得分 总分 = 共同 + 专项 }
      单位类别 乙类 { 得分 总分 = 共同 }
      得分 总分 = 共同
    }
    """, tmp_path)
    # 甲局: 共同 7 + 专项 4 = 11;  乙: 共同 7
    assert both.score(unit("甲局", {"1-1": "7", "9-1": "4"}, "甲类"))["total"] == 11
    assert both.score(unit("乙", {"1-1": "7"}, "乙类"))["total"] == 7


def test_output_does_not_depend_on_string_hashing(tmp_path):
    import os

    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"m{seed}.py"
        code = ("import sys; from kaoping.cli import main; "
                "sys.argv = ['kaoping', 'compile', sys.argv[1], '-o', sys.argv[2]]; main()")
        done = subprocess.run([sys.executable, "-c", code, str(SCHEMES / "dashiqiao-2017.scheme"), str(out)],
                              env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
