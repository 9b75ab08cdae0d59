// Errors of the buyer side. Each has a stable `code`; messages never carry
// a private key (nothing here ever sees one, and config never echoes it).

export class PayError extends Error {
  constructor(code, message, properties = {}) {
    super(message, properties.cause ? { cause: properties.cause } : undefined);
    this.name = 'PayError';
    this.code = code;
    for (const [key, value] of Object.entries(properties)) if (key !== 'cause') this[key] = value;
  }
}

export function payError(code, message, properties) {
  return new PayError(code, message, properties);
}
