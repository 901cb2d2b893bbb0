import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  test('an empty environment gives the embedded default', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.dataDir).toMatch(/data$/);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.ehr).toBeUndefined();
  });

  test('a bad value is refused with the variable named', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ REDIS_URL: 'not a url' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ VIGIL_LOG_LEVEL: 'loud' })).toThrow(/VIGIL_LOG_LEVEL/);
  });

  test('an embedder that needs a provider is refused without one', () => {
    expect(loadConfig({}).embedder).toEqual({ kind: 'offline' });
    expect(() => loadConfig({ VIGIL_EMBEDDER: 'gemini' })).toThrow(/GEMINI_API_KEY/);
    expect(() => loadConfig({ VIGIL_EMBEDDER: 'ollama' })).toThrow(/OLLAMA_URL/);
    expect(loadConfig({ VIGIL_EMBEDDER: 'ollama', OLLAMA_URL: 'http://ollama:11434' }).embedder).toMatchObject({ kind: 'ollama', model: 'nomic-embed-text' });
  });

  test('a shared database needs a shared data key', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/vigil' })).toThrow(/VIGIL_DATA_KEY/);
  });

  test('a threshold can be set per risk category, but never so high that self-harm or a missed emergency is hidden', () => {
    expect(loadConfig({}).thresholds).toEqual({ default: 0.5, byCategory: {} });
    const config = loadConfig({ VIGIL_THRESHOLD_DEFAULT: '0.6', VIGIL_THRESHOLD_DRUG_INTERACTION: '0.95', VIGIL_THRESHOLD_SELF_HARM: '0.3', VIGIL_THRESHOLD_UNSAFE_ADVICE: '' });
    expect(config.thresholds).toEqual({ default: 0.6, byCategory: { 'drug-interaction': 0.95, 'self-harm': 0.3 } });
    expect(() => loadConfig({ VIGIL_THRESHOLD_DOSE_EXCEEDED: 'high' })).toThrow(/VIGIL_THRESHOLD_DOSE_EXCEEDED/);
    expect(() => loadConfig({ VIGIL_THRESHOLD_ALLERGY_CONFLICT: '1.5' })).toThrow(/VIGIL_THRESHOLD_ALLERGY_CONFLICT/);
    expect(() => loadConfig({ VIGIL_THRESHOLD_SELF_HARM: '0.95' })).toThrow(/VIGIL_THRESHOLD_SELF_HARM.*never below high/);
    expect(() => loadConfig({ VIGIL_THRESHOLD_MISSED_EMERGENCY: '0.99' })).toThrow(/VIGIL_THRESHOLD_MISSED_EMERGENCY/);
  });

  test('EHR settings are grouped, with credentials only alongside a URL', () => {
    const config = loadConfig({ EHR_FHIR_URL: 'https://ehr.example.org/fhir/R4/', EHR_CLIENT_ID: 'vigil', EHR_CLIENT_SECRET: 's3cret' });
    expect(config.ehr).toMatchObject({ baseUrl: 'https://ehr.example.org/fhir/R4', clientId: 'vigil', cacheTtlSeconds: 30 });
    expect(() => loadConfig({ EHR_BEARER_TOKEN: 'abc' })).toThrow(/EHR_FHIR_URL/);
    expect(() => loadConfig({ EHR_FHIR_URL: 'https://ehr.example.org/fhir', EHR_CLIENT_ID: 'vigil' })).toThrow(/EHR_CLIENT_SECRET/);
  });
});
