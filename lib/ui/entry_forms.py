"""Streamlit rendering of the entry forms (glue only: checks and saves are in lib.domain.monthly)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lib.auth.access import User
from lib.core import fmt
from lib.core.parsing import number_text
from lib.domain import monthly, present, proceedings
from lib.domain.categories import BUCKET_LABELS, BUCKETS, MONEY_FIELDS, group_labels, resource_labels
from lib.domain.metrics import collection_pct
from lib.domain.periods import shift_month
from lib.saving import drafts, form_input, service
from lib.store.port import Conflict
from lib.ui import shell

STATUS_STYLE = {"not_filed": st.info, "overdue": st.error, "on_time": st.success, "late": st.warning, "returned": st.error,
                "locked": st.error}
# Figures are text cells read on the server (lib.core.parsing): a number cell or st.number_input reads a
# pasted «23,4» as 234 in any browser language, «12,5» typed into number_input as 125.
TYPED = "Тыс. руб. Вводите как привыкли: 1 234,5 или 1234.5 — что понято, показано ниже до сохранения."
# The grid, «так понято» and last month's figures below it share their columns: the same short titles
# (the full one is the column's tooltip) and the same widths, so each figure has last month's under it
# and all six figures fit beside the keys at 1280 px; at 800 px the keys stay pinned while the figures scroll.
# Each title fits its 100 px whole beside the grid's «editable» icon (≤ 70 px of Source Sans 14 px, measured in
# Chromium): «Долг на начало», «Получено по ИП» and «Просрочено» were cut («Долг на нач…»).
SHORT = {"debt_start": "На начало", "accrued": "Начислено", "paid": "Оплачено", "recovered_enforcement": "По ИП",
         "overdue": "Просрочка", "written_off": "Списано"}
KEY_WIDTHS = {"Поселение": 170, "Группа": 130, "Ресурс": 170, "Пункт": 60, "Период": 130}
FIGURE_WIDTH = 100


def status_banner(status: monthly.MonthStatus) -> None:
    STATUS_STYLE[status.code](f"**Статус месяца: {status.label}.** {status.detail}")


def show_findings(checked: monthly.Checked) -> None:
    empty = [f for f in checked.errors if f.message == "обязательное поле не заполнено"]
    if empty:
        cells = "; ".join(f"{f.row} — «{f.field}»" if f.row else f"«{f.field}»" for f in empty[:6])
        more = f" и ещё {len(empty) - 6}" if len(empty) > 6 else ""
        st.info(f"Осталось заполнить ячеек: {len(empty)} ({cells}{more}).", icon=":material/edit:")
    for f in checked.errors:
        if f not in empty:
            st.error(str(f), icon=":material/block:")
    for f in checked.warnings:
        st.warning(str(f), icon=":material/warning:")


def confirmation(checked, key: str) -> list[str]:
    """Values ≥ ×20 / ≤ ÷20 of the usual, and accounting identities broken, are listed with a checkbox; it confirms
    exactly these values (its key is built from them, so changing a value shows a fresh, unticked box). An identity
    is confirmed only with a reason (``reason``), stored with the value."""
    if not checked.confirm:
        return []
    for f in checked.confirm:
        st.warning(str(f), icon=":material/priority_high:")
    digest = hashlib.sha1("|".join(sorted(f.token for f in checked.confirm)).encode()).hexdigest()[:12]
    ticked = st.checkbox(f"Проверил(а): эти значения ({len(checked.confirm)}) верны — сохранить их", key=f"{key}-confirm-{digest}")
    if any(f.reason for f in checked.confirm):
        why = st.text_input("Причина (сохранится вместе со значением и будет видна в «Качестве данных»)", key=f"{key}-reason-{digest}",
                            placeholder="например, списание по решению суда от 05.12.2024 № 2-123")
        st.session_state[f"{key}-reason"] = why.strip()
        if not why.strip():
            if ticked:  # confirmed, but the reason the identity asks for is missing: said, naming each row and field
                where = "; ".join(f"{f.form}, {f.row}, «{f.field}»" if f.row else f"{f.form}, «{f.field}»"
                                  for f in checked.confirm if f.reason)
                st.error(f"Сохранить нельзя: не указана причина — {where}. Впишите её в поле «Причина» выше.",
                         icon=":material/edit_note:")
            return []
    else:
        st.session_state.pop(f"{key}-reason", None)
    return [f.token for f in checked.confirm] if ticked else []


def reason(key: str) -> str:
    """The reason typed beside the confirmation of ``key`` (``confirmation``)."""
    return st.session_state.get(f"{key}-reason") or ""


@dataclass(frozen=True)
class Place:
    """Whose month the page shows: what a draft is filed under and the address that opens it again."""

    pid: str
    month: str
    name: str

    @property
    def where(self) -> str:
        return f"{self.name}, {fmt.month_label(self.month)}"

    @property
    def params(self) -> dict:
        return {"participant": self.pid, "month": self.month}


@dataclass
class Editing:
    """One form of the month as being edited: its id (of its draft, base and editor), the versions the
    edit is based on and the versions stored now, whether anything is changed."""

    form: str
    tab: str
    title: str
    base: drafts.Versions
    now: drafts.Versions
    changed: bool
    fields: tuple[str, ...]
    label: Callable[[tuple], str]

    @property
    def stale(self) -> list[tuple]:
        return drafts.stale(self.base, self.now) if self.changed else []


def track(place: Place, form: str, tab: str, title: str, snap, keys: list[dict], changes: dict | None, fields: tuple[str, ...],
          label: Callable[[tuple], str]) -> Editing:
    """Keep the form's draft for the session and tell which versions it stands on (``changes`` None: the form
    cannot be edited now, a closed quarter — a draft from before is left as it is)."""
    if changes is not None:
        shell.keep_draft(form, changes, title=title, where=place.where, page="pages/entry.py", params=place.params)
    now = drafts.versions(snap, tab, keys)
    return Editing(form, tab, title, shell.form_base(form, now, editing=bool(changes)), now, bool(changes), fields, label)


def _keep_mine(form: str, now: drafts.Versions, label: str) -> None:
    shell.rebase(form, now)
    st.session_state[f"{form}:rebased"] = (f"Ваши изменения оставлены поверх версии, сохранённой сейчас: проверьте форму и "
                                           f"нажмите «{label}».")


def conflict(editing: Editing, checked: monthly.Checked, snap, label: str) -> None:
    """Someone saved this form after the person began: both versions, field by field, and the choice."""
    table = snap.schema[editing.tab]
    now = drafts.versions(snap, editing.tab, [dict(zip(table.record_key, k)) for k in editing.base])
    changed = drafts.stale(editing.base, now)
    mine = {tuple(r.get(k) for k in table.record_key): r for r in checked.records}
    st.error(f"«{editing.title}» сохранили после того, как вы начали вводить ({drafts.saved_by(snap, editing.tab, changed)}). "
             "Ваши изменения пока не записаны. Сравните обе версии и выберите, что оставить:", icon=":material/sync_problem:")
    shell.table(drafts.comparison(snap, editing.tab, editing.base, mine, editing.fields, editing.label), hide_index=True,
                 width="stretch")
    row = st.container(horizontal=True)
    row.button("Оставить мои изменения", key=f"{editing.form}-keep-mine", on_click=_keep_mine, args=(editing.form, now, label),
               icon=":material/edit:", help="Ваши изменения ложатся поверх сохранённой сейчас версии (в остальных ячейках — она); "
                                           "затем проверьте и сохраните")
    row.button("Взять сохранённые", key=f"{editing.form}-take-theirs", on_click=shell.drop_draft, args=(editing.form,),
               icon=":material/download_done:", help="Ваши изменения в этой форме отменяются, показывается сохранённое")


def save_button(label: str, key: str, user: User, tab: str, checked: monthly.Checked, snap, disabled: bool, note: str = "",
                editing: Editing | None = None) -> None:
    confirmed = confirmation(checked, key)
    waiting = bool(checked.confirm) and not confirmed
    stale = bool(editing and editing.stale)
    if editing and (told := st.session_state.pop(f"{editing.form}:rebased", None)):
        st.info(told, icon=":material/info:")
    if editing and disabled and shell.draft_changes(editing.form):
        st.error(f"**Несохранённые изменения в форме «{editing.title}» сохранить нельзя:** месяц закрыт для изменений "
                 "(почему — в статусе месяца выше). Ваши изменения показаны в форме и остаются в черновике. Что делать: "
                 "попросите координатора открыть квартал или вернуть отчёт на доработку и сохраните их тогда, "
                 "или отмените их кнопкой ниже.", icon=":material/lock:")
        st.button("Отменить несохранённые изменения", key=f"{key}-cancel-stuck", on_click=shell.drop_draft, args=(editing.form,),
                  icon=":material/undo:")
    if editing and editing.changed and not disabled:
        st.warning(f"**Есть несохранённые изменения** в форме «{editing.title}». Они сохранятся на время сеанса и при "
                   "переходе к другому месяцу или странице, но в базу попадут только после «Сохранить».",
                   icon=":material/edit_note:")
    if stale:
        conflict(editing, checked, snap, label)
    hint = "Сначала исправьте ошибки, отмеченные красным" if checked.errors else \
        "Сначала подтвердите необычные значения или исправьте их" if waiting else \
        "Сначала выберите выше: оставить ваши изменения или взять сохранённые" if stale else None
    shown_before = st.session_state.get(f"{key}-shown")
    st.session_state[f"{key}-shown"] = form_input.digest(checked.records)  # what this run shows above the button
    buttons = st.container(horizontal=True)
    clicked = buttons.button(label, key=key, type="primary", disabled=disabled or bool(checked.errors) or waiting or stale,
                             help=hint)
    if editing and editing.changed and not disabled:
        buttons.button("Отменить изменения", key=f"{key}-cancel", on_click=shell.drop_draft, args=(editing.form,),
                       icon=":material/undo:", help="Вернуть в форму то, что сохранено в базе")
    if note:
        st.caption(note)
    shell.flash(key)  # what the last save of this form stored, until the form is edited again
    if clicked:
        if shown_before != st.session_state[f"{key}-shown"]:
            st.warning("Значения изменились в момент нажатия: проверьте выше, как они поняты, и нажмите "
                       f"«{label}» ещё раз.", icon=":material/visibility:")
            return
        submission = service.checked_form(tab, checked, confirmed=confirmed, base=editing.base if editing else None, schema=snap.schema,
                                          reason=reason(key))
        shell.submit(user, submission, slot=key, draft=editing.form if editing else None,
                     after="Предупреждения записаны вместе с отчётом." if checked.warnings else "",
                     on_conflict=(lambda err: conflict(editing, checked, shell.snapshot(), label)) if editing else None,
                     on_nothing="Сохранённые цифры совпадают с тем, что на экране.",
                     kept="Введённые данные остались на экране — исправьте и сохраните снова.")


def text_columns(titles: dict[str, str], helps: dict[str, str] | None = None) -> dict:
    config = {k: st.column_config.TextColumn(t, help=(helps or {}).get(k) or TYPED, alignment="right", width=FIGURE_WIDTH)
              for k, t in titles.items()}
    return {**key_columns(), **config}


def key_columns(frame: pd.DataFrame | None = None) -> dict:
    """The key columns of every entry table: pinned; as wide as their longest name in ``frame`` (issue 27: «прочие
    потребител…», «МО «Беченчинский насле…» were cut at 1280 px), never narrower than ``KEY_WIDTHS``."""
    return {title: st.column_config.TextColumn(title, width=fitted_width(title, frame), pinned=True) for title in KEY_WIDTHS}


def fitted_width(title: str, frame: pd.DataFrame | None) -> int:
    """Pixels for a grid column showing the texts of ``frame[title]`` whole: Streamlit 1.67's grid draws 14 px
    Source Sans on a canvas, ≈7.4 px a letter (9 a capital), 3.6 a space, 8 px of padding a side."""
    width = KEY_WIDTHS[title]
    if frame is None or title not in frame or not len(frame):
        return width
    longest = max(sum(3.6 if ch == " " else 9.0 if ch.isupper() else 7.4 for ch in str(text)) for text in frame[title].dropna())
    return max(width, min(int(longest) + 24, 320))


def figure_columns(titles, helps: dict[str, str] | None = None) -> dict:
    return {title: st.column_config.Column(title, width=FIGURE_WIDTH, alignment="right", help=(helps or {}).get(title))
            for title in titles}


def monthly_titles(snap) -> dict[str, str]:
    """The short title of each figure of the monthly report -> its full title (the tooltip of the column)."""
    table = snap.schema["monthly_reports"]
    return {SHORT[k]: table.column(k).title for k in MONEY_FIELDS}


def grid(form_id: str, form: pd.DataFrame, shown: pd.DataFrame, editable: tuple[str, ...], config: dict, locked: bool,
         keys: tuple[str, ...], numeric: tuple[str, ...] = (), choices: tuple[str, ...] = ()) -> tuple[pd.DataFrame, dict | None]:
    """An entry grid whose figures are text cells; returns the server's own ``form`` with the edits
    of ``editable`` columns taken from the editor's state (keys and rows never from the browser), and the
    form's draft: its changed cells by row key, put back on the grid whenever it is shown again."""
    # a closed form is another editor (read-only): the one the person typed into keeps its edits in the browser on top
    # of what it was created with, so the draft is shown only by an editor created with it
    key = shell.editor_key(form_id) + ("~locked" if locked else "")
    # The browser measures its edits against the data the editor was created with: while that editor lives, the
    # draft it was created with stays its base. Were this run's draft put under it instead, a cell typed back to
    # the value it had when the editor opened would count as «no edit» in the browser and the draft's older value
    # (a «-5» just corrected to «0») would come back.
    base = f"{key}:draft"
    if key in st.session_state and base in st.session_state:
        changes = st.session_state[base]
    else:
        # closed meanwhile: a draft from before is still shown (read-only), with why it cannot be saved (save_button)
        changes = st.session_state[base] = shell.draft_changes(form_id)
    read_only = [c for c in shown.columns if c not in editable]
    # on the grid a changed figure is text, as typed (a number would make the text column a number column)
    # and a choice emptied is the «nothing chosen» option (an empty choice cell would read «None»)
    as_typed = {row: {c: number_text(v) if c in numeric and not isinstance(v, str) else
                      form_input.as_choices([v])[0] if c in choices else v for c, v in cells.items()}
                for row, cells in changes.items()}
    config = {**config, **{k: v for k, v in key_columns(shown).items() if k in config}}  # keys as wide as their names
    st.data_editor(drafts.with_changes(shown, as_typed, keys), key=key, hide_index=True, num_rows="fixed",
                   disabled=True if locked else read_only, column_config=config, width="stretch")
    edited = form_input.apply_edits(drafts.with_changes(form, changes, keys), st.session_state.get(key), () if locked else editable,
                                    choices)
    return edited, (None if locked else drafts.grid_changes(form, edited, keys, editable, numeric))


def understood(title: str, checked: monthly.Checked, keys: dict[str, list[str]], columns: dict[str, str],
               helps: dict[str, str] | None = None) -> None:
    """«Что будет сохранено»: each figure as the server read it, in Russian format, before the save."""
    st.markdown(f"**{title}** — так введённое понято и будет сохранено:")
    preview = form_input.preview(checked.records, columns, keys, checked.bad)
    shell.table(present.table(preview), hide_index=True, width="stretch",
                column_config={**key_columns(preview), **figure_columns(columns.values(), helps)})


def labelled(frame: pd.DataFrame, snap) -> pd.DataFrame:
    who = monthly.names(snap)
    groups = group_labels()
    out = frame.copy()
    out.insert(0, "Поселение", [who.get(s, s) for s in frame.settlement_id])
    out.insert(1, "Группа", [groups[g] for g in frame.consumer_group])
    return out


LINE = ("settlement_id", "consumer_group")


def _line_label(snap, record_key: tuple[str, ...]) -> Callable[[tuple], str]:
    who, groups, resources = monthly.names(snap), group_labels(), resource_labels()

    def label(key: tuple) -> str:
        r = dict(zip(record_key, key))
        parts = [who.get(r.get("settlement_id"), r.get("settlement_id")), groups.get(r.get("consumer_group"), r.get("consumer_group"))]
        if "resource" in r:
            parts.append(resources.get(r["resource"], r["resource"]))
        return ", ".join(str(p) for p in parts)

    return label


def _keys(pid: str, month: str, form: pd.DataFrame, line: tuple[str, ...]) -> list[dict]:
    return [{"participant_id": pid, "month": month, **dict(zip(line, row))} for row in form[list(line)].itertuples(index=False, name=None)]


def monthly_editor(snap, place: Place, locked: bool) -> tuple[pd.DataFrame, Editing]:
    table = snap.schema["monthly_reports"]
    pid, month = place.pid, place.month
    form = monthly.monthly_form(snap, pid, month)
    shown = labelled(form_input.as_text(form, MONEY_FIELDS), snap)
    config = text_columns(SHORT, {k: f"{table.column(k).title}. {table.column(k).description} {TYPED}" for k in MONEY_FIELDS})
    config.update(settlement_id=None, consumer_group=None)
    form_id = f"monthly-{pid}-{month}"
    edited, changes = grid(form_id, form, shown, MONEY_FIELDS, config, locked, LINE, MONEY_FIELDS)
    return edited, track(place, form_id, "monthly_reports", "Ежемесячный отчёт", snap, _keys(pid, month, form, LINE), changes,
                         MONEY_FIELDS, _line_label(snap, table.record_key))


def monthly_understood(snap, checked: monthly.Checked) -> None:
    understood("Ежемесячный отчёт", checked, line_keys(snap, checked.records), SHORT, monthly_titles(snap))


def line_keys(snap, records: list[dict], resource: bool = False) -> dict[str, list[str]]:
    who, groups, resources = monthly.names(snap), group_labels(), resource_labels()
    keys = {"Поселение": [who.get(r["settlement_id"], r["settlement_id"]) for r in records],
            "Группа": [groups.get(r["consumer_group"], r["consumer_group"]) for r in records]}
    if resource:
        keys["Ресурс"] = [resources.get(r["resource"], r["resource"]) for r in records]
    return keys


def comparison(snap, pid: str, month: str, form: pd.DataFrame) -> pd.DataFrame:
    """Last month in the grid's own columns (each figure under this month's), and collection % — this
    month's computed live from what is typed, and last month's."""
    prev = monthly.previous_values(snap, pid, month).set_index(["settlement_id", "consumer_group"])
    rows = []
    for r in labelled(form, snap).to_dict("records"):
        key = (r["settlement_id"], r["consumer_group"])
        p = prev.loc[key] if key in prev.index else None
        row = {"Поселение": r["Поселение"], "Группа": r["Группа"]}
        row.update({SHORT[k]: p[k] if p is not None else float("nan") for k in MONEY_FIELDS})
        row["Собираемость, %"] = collection_pct(r["paid"], r["accrued"])
        row["Собираемость в прошлом месяце, %"] = collection_pct(p.paid, p.accrued) if p is not None else float("nan")
        rows.append(row)
    return pd.DataFrame(rows, columns=["Поселение", "Группа", *SHORT.values(), "Собираемость, %", "Собираемость в прошлом месяце, %"])


def comparison_table(snap, pid: str, month: str, form: pd.DataFrame) -> None:
    table = comparison(snap, pid, month, form)
    st.markdown(f"**Для сравнения — {fmt.month_label(shift_month(month, -1))}**, тыс. руб.; собираемость этого месяца "
                "считается по введённому:")
    # last month's figures with every stored digit, as the grid above shows a figure («1 234,5», never «1 234,500»)
    shell.table(present.table(table, decimals=dict.fromkeys(SHORT.values(), present.EXACT)), hide_index=True, width="stretch",
                 column_config={**key_columns(table), **figure_columns(table.columns[2:], monthly_titles(snap))})


def structure_editor(snap, place: Place, locked: bool) -> tuple[pd.DataFrame, Editing]:
    resources = resource_labels()
    pid, month = place.pid, place.month
    form = monthly.structure_form(snap, pid, month)
    shown = labelled(form_input.as_text(form, BUCKETS), snap)
    shown.insert(2, "Ресурс", [resources[r] for r in shown.resource])
    config = text_columns({b: BUCKET_LABELS[b] for b in BUCKETS})
    config.update(settlement_id=None, consumer_group=None, resource=None)
    form_id = f"structure-{pid}-{month}"
    line = (*LINE, "resource")
    edited, changes = grid(form_id, form, shown, BUCKETS, config, locked, line, BUCKETS)
    return edited, track(place, form_id, "debt_structure", "Структура задолженности", snap, _keys(pid, month, form, line), changes,
                         BUCKETS, _line_label(snap, snap.schema["debt_structure"].record_key))


def structure_understood(snap, checked: monthly.Checked) -> None:
    understood("Структура задолженности", checked, line_keys(snap, checked.records, resource=True), dict(BUCKET_LABELS))


CLAIMS_SEEDS = "claims_seeds"  # widget key -> the text a claims field was last filled with by the page


def claims_inputs(snap, place: Place, locked: bool) -> tuple[dict, dict, Editing]:
    """Text inputs (a count «2,5» or a sum «1 379,4» is read by the server, not by the browser);
    returns what was typed, a placeholder under each field for what was understood, and the form as edited.

    A field is filled by the page (the draft, else what is stored) whenever the person has not typed in it,
    so it shows someone else's newer save, and the draft again after a month or page switch."""
    table = snap.schema["claims_work"]
    pid, month = place.pid, place.month
    current = monthly.claims_form(snap, pid, month)
    form_id = f"claims-{pid}-{month}"
    changes = shell.draft_changes(form_id)  # closed meanwhile: still shown, with why it cannot be saved
    seeds = st.session_state.setdefault(CLAIMS_SEEDS, {})
    prefix = shell.editor_key(form_id)
    st.caption("Количества — целыми числами, суммы — в тыс. руб. (1 234,5 или 1234.5). Значение поля принимается, когда вы "
               "переходите к следующему (Tab) или нажимаете Enter; под полем показано, как оно понято.")
    values, slots, columns = {}, {}, st.columns(3)
    for i, k in enumerate(monthly.CLAIMS_FIELDS):
        c = table.column(k)
        unit = "шт." if c.type == "integer" else "тыс. руб."
        key = f"{prefix}-{k}"
        fill = changes.get(k, number_text(current[k]))
        # set only what changed: a value set from the script is sent to the browser and replaces what the person is
        # typing into that field at that moment (a rerun of the previous field's Tab is then still on its way)
        if key not in st.session_state or (st.session_state[key] == seeds.get(key) != fill and k not in changes):
            st.session_state[key] = seeds[key] = fill
        with columns[i % 3]:
            values[k] = shell.kept(st.text_input, f"{c.title}, {unit}", key=key,
                                   help=f"{c.description} Целое число." if c.type == "integer" else f"{c.description} {TYPED}",
                                   disabled=locked, placeholder="не заполнено")
            slots[k] = st.empty()
    changes = None if locked else drafts.field_changes(current, values, monthly.CLAIMS_FIELDS)
    keys = [{"participant_id": pid, "month": month}]
    editing = track(place, form_id, "claims_work", "Претензионная работа", snap, keys, changes, monthly.CLAIMS_FIELDS,
                    lambda key: place.where)
    return values, slots, editing


def claims_understood(checked: monthly.Checked, slots: dict) -> None:
    record = checked.records[0]
    for k, slot in slots.items():
        if (0, k) in checked.bad:
            slot.caption(":red[не распознано — см. ниже]")
        else:
            slot.caption(f"понято: **{form_input.shown_value(record.get(k))}**")


PLAN_LINE = ("measure_id", "period")


def plan_editor(snap, place: Place, locked: bool) -> tuple[pd.DataFrame, Editing]:
    pid, month = place.pid, place.month
    form = monthly.plan_form(snap, pid, month)
    status_labels = snap.schema["plan_progress"].column("status").labels
    indicator = snap.schema["plan_progress"].column("indicator_value")
    config = {
        "measure_id": None,
        "period": None,
        **key_columns(),
        "Мероприятие": st.column_config.TextColumn(width="large"),
        # not yet reported: the «—» option, read back as empty (Streamlit draws an empty choice as a grey «None»);
        # required: Streamlit adds no empty option of its own beside it (one empty choice); wide enough not to wrap
        "status": st.column_config.SelectboxColumn("Статус", options=[form_input.NOT_CHOSEN, *status_labels], required=True,
                                                   width="medium", format_func=lambda k: status_labels.get(k, form_input.NOT_CHOSEN)),
        "indicator_value": st.column_config.TextColumn(indicator.title, help=f"{indicator.description} Число, например 12 или 1 234,5.",
                                                       alignment="right"),
        "done_text": st.column_config.TextColumn("Что сделано", max_chars=2000, width="large"),
    }
    # text columns typed as text even when empty: a grid whose column type changed with a draft would start afresh
    shown = form_input.as_text(form, ("indicator_value",)).astype({"status": "string", "done_text": "string"})
    shown["done_text"] = shown["done_text"].fillna("")  # an empty cell, not «None»
    shown["status"] = pd.Series(form_input.as_choices(shown["status"]), index=shown.index, dtype="string")
    form_id = f"plan-{pid}-{month}"
    edited, changes = grid(form_id, form, shown, monthly.PLAN_EDITABLE, config, locked, PLAN_LINE, ("indicator_value",), ("status",))
    items = dict(zip(zip(form.measure_id, form.period), zip(form["Пункт"], form["Период"])))

    def label(key: tuple) -> str:
        item, period = items.get((key[0], key[2]), (key[0], key[2]))
        return f"п. {item or key[0]}, {period}"

    keys = [{"measure_id": m, "participant_id": pid, "period": p} for m, p in zip(form.measure_id, form.period)]
    return edited, track(place, form_id, "plan_progress", "Исполнение плана", snap, keys, changes, monthly.PLAN_EDITABLE, label)


def plan_understood(snap, checked: monthly.Checked, form: pd.DataFrame) -> None:
    if not checked.records:
        return
    filed = monthly.filed_rows(form)
    labels = snap.schema["plan_progress"].column("status").labels
    understood("Исполнение плана", checked, {"Пункт": filed["Пункт"].tolist(), "Период": filed["Период"].tolist(),
                                            "Статус": [labels.get(r["status"], "—") for r in checked.records]},
               {"indicator_value": "Значение индикатора"})


def assignment(user: User, snap, a: dict, today) -> None:
    """One open assignment of the commission and «Сообщить об исполнении». The report is checked against the
    version the person was looking at when they sent it; if the coordinator changed the assignment meanwhile
    (its text, its due date), nothing is written and both versions are shown with the choice."""
    decision_id, form = a["decision_id"], f"done-{a['decision_id']}"
    with st.container(border=True):
        st.markdown(f"**{a['text']}**  \nСрок: {fmt.date_ru(a['due_date'])}" + (" — **просрочено**" if a["overdue"] else ""))
        waiting = st.session_state.get(f"{form}:conflict")
        if waiting:
            _done_conflict(user, snap, decision_id, form, waiting, today)
            return
        with st.form(form):
            comment = st.text_area("Что сделано", key=f"done-comment-{decision_id}")
            clicked = st.form_submit_button("Сообщить об исполнении", type="primary")
        base = shell.form_base(form, {(decision_id,): a["save_id"]}, editing=clicked)  # clicked: what the last run showed
        if not clicked:
            return
        if not comment.strip():
            st.error("Опишите, что сделано: комиссия увидит этот комментарий.")
            return

        def differs(err: Conflict) -> None:
            st.session_state[f"{form}:conflict"] = {"comment": comment, "base": base}
            _done_conflict(user, shell.snapshot(), decision_id, form, st.session_state[f"{form}:conflict"], today)

        shell.submit(user, {"decisions": [proceedings.done_record(snap, decision_id, comment, today)]}, action="исполнение поручения",
                     success="Исполнение поручения отмечено.", expect={"decisions": base}, on_conflict=differs, slot="assignments")


def _done_conflict(user: User, snap, decision_id: str, form: str, waiting: dict, today) -> None:
    base = waiting["base"]
    was = drafts.version_of(snap, "decisions", base[(decision_id,)], (decision_id,))
    mine = {**(was or {}), "status": "done", "done_date": today, "comment": waiting["comment"]}
    st.error(f"Поручение изменили после того, как вы открыли страницу ({drafts.saved_by(snap, 'decisions', [(decision_id,)])}). "
             "Ваша отметка пока не записана. Сравните обе версии:", icon=":material/sync_problem:")
    fields = tuple(c.key for c in snap.schema["decisions"].data_columns if c.key not in ("decision_id",))
    shell.table(drafts.comparison(snap, "decisions", base, {(decision_id,): mine}, fields, lambda key: "Поручение"),
                 hide_index=True, width="stretch")
    row = st.container(horizontal=True)
    keep = row.button("Оставить мою отметку", key=f"{form}-keep-mine", type="primary", icon=":material/task_alt:",
                      help="Отметить исполнение с вашим комментарием в сохранённой сейчас версии поручения (его текст и срок — "
                           "как их изменил координатор)")
    if row.button("Не отмечать", key=f"{form}-take-theirs", icon=":material/undo:",
                  help="Ничего не записывать: прочитайте новую версию поручения и отметьте исполнение заново"):
        st.session_state.pop(f"{form}:conflict", None)
        st.rerun()
    if keep:
        now = drafts.versions(snap, "decisions", [{"decision_id": decision_id}])

        def again(err: Conflict) -> None:  # changed once more while the person compared: compare again
            st.session_state[f"{form}:conflict"] = waiting
            st.rerun()

        st.session_state.pop(f"{form}:conflict", None)  # before the write: a success reruns the page at once
        if not shell.submit(user, {"decisions": [proceedings.done_record(snap, decision_id, waiting["comment"], today)]},
                            action="исполнение поручения", success="Исполнение поручения отмечено.", expect={"decisions": now},
                            on_conflict=again, slot="assignments"):
            st.session_state[f"{form}:conflict"] = waiting


def save_file(user: User, result, confirmed: list[str]) -> None:
    """Write a checked upload through the one save (the file is not written on any refusal)."""
    shell.submit(user, service.upload_form(result, confirmed, reason("save_upload")), success="Файл загружен и сохранён.", slot="save_upload",
                 kept="Файл не записан — исправьте и загрузите снова.")


def territory_table(snap, territory: pd.DataFrame) -> pd.DataFrame:
    who = monthly.names(snap)
    groups = group_labels()
    return pd.DataFrame({
        "Организация": [who.get(p, p) for p in territory.participant_id],
        "Группа": [groups[g] for g in territory.consumer_group],
        "Долг на начало": territory.debt_start.to_numpy(),
        "Начислено": territory.accrued.to_numpy(),
        "Оплачено": territory.paid.to_numpy(),
        "Собираемость, %": collection_pct(territory.paid, territory.accrued).to_numpy(),
        "Просрочено": territory.overdue.to_numpy(),
    })
