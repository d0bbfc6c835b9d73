/** Inversify tokens for values that are not classes. */
export const APP_CONFIG = Symbol.for('nir-ssl.AppConfig');
export const LOGGER = Symbol.for('nir-ssl.Logger');
/** The process's Redis connections (bound only with a distributed queue). */
export const REDIS_CONNECTIONS = Symbol.for('nir-ssl.RedisConnections');
