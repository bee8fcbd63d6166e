// Module resolution hooks (see register.mjs): maps @hub/* specifiers to dist files.
let aliases = {};

export async function initialize(data) {
  aliases = data.aliases;
}

export async function resolve(specifier, context, nextResolve) {
  const target = aliases[specifier];
  return target ? { url: target, shortCircuit: true } : nextResolve(specifier, context);
}
