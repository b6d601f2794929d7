"""Write each <script> once per page.

Sphinx 7.2-7.4 adds an inline script registered after the builder started (sphinx-thebe's
``const THEBE_JS_URL = ...``) to every page twice; the second copy is a SyntaxError in the
browser console ("Identifier 'THEBE_JS_URL' has already been declared").
"""


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, unique = set(), []
    for script in scripts:
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
