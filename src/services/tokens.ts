/** Inversify tokens for values that are not classes. */
export const APP_CONFIG = Symbol.for('nir-ssl.AppConfig');
export const LOGGER = Symbol.for('nir-ssl.Logger');
