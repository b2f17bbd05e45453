// The case page: choosing a reply template fills the message to the complainant (issue 9).
// Without script, a template chosen with an empty message is used by the server instead.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.querySelector("select[data-fills]");
  if (!select) return;
  const target = document.getElementById(select.dataset.fills);
  select.addEventListener("change", () => {
    const template = document.getElementById("reply-template-" + select.value);
    if (template && target) target.value = template.content.textContent;
  });
});
