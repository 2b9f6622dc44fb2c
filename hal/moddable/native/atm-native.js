// Host functions implemented in atm-native.c (Moddable's "@" host-function syntax, see
// documentation/xs/XS in C.md). Declared for TypeScript in typings/moddable/project.d.ts.
export function restart() @ "xs_atm_restart";
export function fillRandom(into) @ "xs_atm_fill_random";
