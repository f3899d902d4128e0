// Built beside main.mjs by bench/run.mjs, where src/dicom/threads.ts looks for the worker bundle, as in dist/.
import '../../src/dicom/worker';
