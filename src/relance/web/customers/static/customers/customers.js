// The action buttons open the panel they point at; "select all" appears once the script runs.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-open]");
  if (!link) return;
  const panel = document.getElementById(link.dataset.open);
  if (panel && panel.tagName === "DETAILS") {
    panel.open = true;
    const first = panel.querySelector("input:not([type=hidden]), select, textarea");
    if (first) setTimeout(() => first.focus(), 0);
  }
});
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("select-all");
  if (!all) return;
  all.hidden = false;
  all.addEventListener("change", () => {
    document.querySelectorAll('#statement-form input[name="invoices"]').forEach((box) => { box.checked = all.checked; });
  });
});
