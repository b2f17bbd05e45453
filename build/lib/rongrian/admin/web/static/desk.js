// The desk receipt: the print button, and the paper choice (A6 or an 80 mm roll) switching the
// stylesheet that sets the printed page. Without script the slip prints on A6 with Ctrl+P.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  const a6 = document.getElementById("paper-a6");
  const roll = document.getElementById("paper-roll");
  for (const choice of document.querySelectorAll("input[name=slip-size]")) {
    choice.addEventListener("change", () => {
      const onRoll = document.getElementById("slip-80").checked;
      a6.disabled = onRoll;
      roll.disabled = !onRoll;
    });
  }
});
