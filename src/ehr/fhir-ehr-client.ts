import { MedplumClient } from '@medplum/core';
import type { Bundle, Identifier, Resource, ResourceType } from '@medplum/fhirtypes';
import type { EhrClient, PatientContext } from './ehr-client';

export interface FhirEhrOptions {
  baseUrl: string;
  bearerToken?: string;
  clientId?: string;
  clientSecret?: string;
  tokenUrl?: string;
  timeoutMs: number;
}

/**
 * Any FHIR R4 server, through MedplumClient in standard mode (extendedMode off, so it sends no
 * Medplum-only headers or parameters). Auth: a static bearer token, or OAuth client credentials.
 */
export class FhirEhrClient implements EhrClient {
  readonly name = 'fhir';
  private readonly client: MedplumClient;
  private login: Promise<unknown> | undefined;

  constructor(private readonly options: FhirEhrOptions) {
    const url = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : options.baseUrl + '/');
    this.client = new MedplumClient({
      baseUrl: url.origin + '/',
      fhirUrlPath: url.pathname.replace(/^\/|\/$/g, ''),
      tokenUrl: options.tokenUrl,
      extendedMode: false,
      cacheTime: 0,
      fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
        fetch(input, { ...init, signal: AbortSignal.timeout(options.timeoutMs) }),
    });
    if (options.bearerToken) this.client.setAccessToken(options.bearerToken);
  }

  async patientContext(patientId: string): Promise<PatientContext> {
    await this.authenticate();
    const search = async <T extends Resource>(type: ResourceType, param: string): Promise<T[]> => {
      const results: T[] = [];
      let bundle: Bundle | undefined = await this.client.search(type, { [param]: `Patient/${patientId}`, _count: '200' });
      while (bundle) {
        results.push(...((bundle.entry ?? []).map((e) => e.resource).filter(Boolean) as T[]));
        const next: string | undefined = bundle.link?.find((l) => l.relation === 'next')?.url;
        bundle = next ? await this.client.get<Bundle>(next) : undefined;
      }
      return results;
    };
    const [patient, allergies, statements, requests, conditions, observations] = await Promise.all([
      this.client.readResource('Patient', patientId).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      }),
      search('AllergyIntolerance', 'patient'),
      search('MedicationStatement', 'subject'),
      search('MedicationRequest', 'subject'),
      search('Condition', 'subject'),
      search('Observation', 'subject'),
    ]);
    return {
      patientId,
      patient,
      allergies: allergies as PatientContext['allergies'],
      medications: [...(statements as PatientContext['medications']), ...(requests as PatientContext['medications'])],
      conditions: conditions as PatientContext['conditions'],
      observations: observations as PatientContext['observations'],
    };
  }

  async upsert<T extends Resource>(resource: T, identifier: Required<Pick<Identifier, 'system' | 'value'>>): Promise<T> {
    await this.authenticate();
    return (await this.client.createResourceIfNoneExist(resource, `identifier=${identifier.system}|${identifier.value}`)) as T;
  }

  private async authenticate(): Promise<void> {
    if (this.options.bearerToken || !this.options.clientId || !this.options.clientSecret) return;
    if (!this.client.getAccessToken() || this.tokenExpired()) {
      this.login ??= this.client.startClientLogin(this.options.clientId, this.options.clientSecret).finally(() => {
        this.login = undefined;
      });
      await this.login;
    }
  }

  private tokenExpired(): boolean {
    return !this.client.isAuthenticated();
  }
}

function isNotFound(err: unknown): boolean {
  const outcome = (err as { outcome?: { id?: string; issue?: { code?: string }[] } }).outcome;
  return outcome?.id === 'not-found' || outcome?.issue?.[0]?.code === 'not-found';
}
