"""What a page's download buttons offer, as an AppTest run builds them: file name -> the bytes a click gives.

``collect(monkeypatch)`` listens to Streamlit's media file manager (Streamlit 1.67: ``add`` for eager data,
``add_deferred`` for ``download_button(data=callable)``, whose data is built only on a click); the returned
``take()`` builds what was offered since the last call and forgets it."""

from __future__ import annotations

from streamlit.runtime.media_file_manager import MediaFileManager


def collect(monkeypatch):
    files: dict[str, object] = {}
    built_on_click: set[str] = set()
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def eager(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if is_for_static_download and file_name:
            files[file_name] = path_or_data
        return add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    def deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        files[file_name] = data_callable
        built_on_click.add(file_name)
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add", eager)
    monkeypatch.setattr(MediaFileManager, "add_deferred", deferred)

    def take(build: bool = True) -> dict[str, bytes]:
        out = {}
        for name, data in files.items():
            if build:
                data = data() if callable(data) else data
                out[name] = data.encode("utf-8") if isinstance(data, str) else bytes(data)
            else:
                out[name] = b""
        files.clear()
        return out

    take.built_on_click = built_on_click
    return take
