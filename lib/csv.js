// CSV as exports write it (RFC 4180: a header row, CRLF line ends), safe to
// open in a spreadsheet.
//
// Spreadsheets (Excel, LibreOffice, Google Sheets) evaluate a cell that
// starts with = + - @ as a formula, and some skip a leading tab or CR first.
// Fields carry text that payers, sellers and facilitators choose, so an
// export opened by an accountant could run =HYPERLINK/=WEBSERVICE calls that
// leak the sheet or worse (CSV injection). A leading apostrophe makes every
// spreadsheet show the text as it is.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF, quotes doubled; null is empty. */
export function csvField(value) {
  let text = value === null || value === undefined ? '' : String(value);
  const formula = FORMULA_START.test(text);
  if (formula) text = `'${text}`;
  return formula || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** `rows` (objects) as CSV text with `columns` as the header and field order. */
export function csvText(columns, rows) {
  const lines = [columns.join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvField(row[column])).join(','));
  return lines.map((line) => `${line}\r\n`).join('');
}
