import pkg from '../package.json' with { type: 'json' };

export const APP_NAME: string = pkg.productName;
export const APP_VERSION: string = pkg.version;

declare const __AUCMEDI_DESK_COMMIT__: string | undefined;
/** The commit the bundle was built from (scripts/build.mjs); 'development' where the sources run unbundled. */
export const APP_COMMIT: string = typeof __AUCMEDI_DESK_COMMIT__ === 'string' ? __AUCMEDI_DESK_COMMIT__ : 'development';
export const APP_LICENSE: string = pkg.license;
