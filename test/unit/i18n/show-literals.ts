/** Lists the literals untranslated.test.ts would find: `npx jiti test/unit/i18n/show-literals.ts FILE...`. */
import path from 'node:path';
import { findLiterals } from './literals';

let total = 0;
for (const file of process.argv.slice(2)) {
  for (const finding of findLiterals(path.resolve(file))) {
    total += 1;
    console.log(`${file}:${finding.line}: ${finding.text}`);
  }
}
console.log(`${total} literal(s)`);
