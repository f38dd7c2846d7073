"""Issue 15.7: deform's templates are compiled when the application starts, not by the first requests."""
import deform

from olympix.views.warmup import deform_templates


def test_every_deform_template_is_compiled_once_the_app_exists(app):
    renderer = deform.Form.default_renderer
    names = deform_templates()
    assert len(names) > 30 and "form.pt" in names and "textinput.pt" in names
    assert [n for n in names if not renderer.load(n)._cooked] == []
