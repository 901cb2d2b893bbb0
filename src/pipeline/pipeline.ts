import type { Communication, RiskAssessment } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { analyzeExchange } from '../clinical/analyze-exchange';
import type { Finding } from '../clinical/types';
import { resolvePatientState } from '../clinical/patient-state';
import type { EhrClient, PatientContext } from '../ehr/ehr-client';
import type { LlmServices } from '../llm/compose-llm';
import type { GuidelineIndex } from '../knowledge/guideline-index';
import type { KnowledgeBase } from '../knowledge/knowledge-base';
import type { Job } from '../queue/job';
import type { AuditLog } from '../security/audit-log';
import type { Database } from '../store/database';
import { referencedId } from '../store/resource-columns';
import type { ResourceRepository } from '../store/resource-repository';
import { explainFinding, retrievalQuery, type Explanation } from './explain';
import { ANALYZE_MESSAGE } from './log-message';
import { pairExchange } from './pair-exchange';
import { buildDetectedIssue, buildFlag, buildRiskAssessment, buildTask, vigilUrls, type ReviewedFinding } from './review-resources';
import { score, type Thresholds } from './score';
import { codedContext, mergeOpinions, type MergedOpinion } from './second-opinion';
import type { Exchange } from '../clinical/types';
import type { Passage } from '../knowledge/guideline-index';

export interface PipelineDeps {
  db: Database;
  repo: ResourceRepository;
  ehr: EhrClient;
  kb: KnowledgeBase;
  guidelines: GuidelineIndex;
  thresholds: Thresholds;
  audit: AuditLog;
  fhirBaseUrl: string;
  log: Logger;
  /** Optional language models: a second opinion beside the rules, and phrasing of explanations. */
  llm?: LlmServices;
}

/**
 * Runs levels 2–5 for one logged message. The only place that knows their order. Safe to run
 * again for the same message: every EHR write is conditional on a stable identifier, and the
 * RiskAssessment, written last, marks the analysis as finished.
 */
export class Pipeline {
  private readonly urls;

  constructor(private readonly deps: PipelineDeps) {
    this.urls = vigilUrls(deps.fhirBaseUrl);
  }

  readonly handle = async (job: Job): Promise<void> => {
    if (job.kind !== ANALYZE_MESSAGE) throw new Error(`Unknown job kind ${job.kind}`);
    await this.analyzeMessage(String(job.payload.communicationId));
  };

  async analyzeMessage(communicationId: string): Promise<RiskAssessment> {
    const { repo, ehr, kb, log } = this.deps;
    const message = await repo.read<Communication>('Communication', communicationId);
    if (!message) throw new Error(`Communication/${communicationId} is not in the store`);
    const patientId = referencedId(message.subject, 'Patient');
    if (!patientId) throw new Error(`Communication/${communicationId} has no Patient subject`);

    const exchange = await pairExchange(repo, message);
    // A bot reply is checked against the chart. A patient message alone is checked for what it says; the
    // chart adds who is writing (a parent about a child) and which medicine is the means at hand, so an
    // EHR outage must not hold that check up. The reply that follows reads the same (cached) context.
    const noChart: PatientContext = { patientId, allergies: [], medications: [], conditions: [], observations: [] };
    const context: PatientContext = exchange.botReply
      ? await ehr.patientContext(patientId)
      : await ehr.patientContext(patientId).catch((err: unknown) => {
          log.warn({ err: err instanceof Error ? err.message : String(err) }, 'chart unavailable; patient message checked without it');
          return noChart;
        });
    const sentAt = Date.parse(message.sent ?? '');
    const at = Number.isNaN(sentAt) ? new Date() : new Date(sentAt);
    const opinion = mergeOpinions(analyzeExchange(kb, exchange, context, at), await this.secondOpinion(exchange, context, at));
    const assessment = score(opinion.findings, this.deps.thresholds);

    const written: string[] = [];
    if (assessment.flagged.length > 0 && assessment.overall !== 'none') {
      const reviewed = await this.explainAndRecord(patientId, assessment.flagged);
      written.push(...reviewed.map((r) => r.detectedIssue));
      for (const category of new Set(reviewed.map((r) => r.finding.category))) {
        const flag = await ehr.upsert(buildFlag(this.urls, patientId, category), { system: this.urls.flagId, value: `${patientId}|${category}` });
        written.push(`Flag/${flag.id}`);
      }
      const focus = `Communication/${communicationId}`;
      const task = await ehr.upsert(buildTask(this.urls, patientId, focus, reviewed, assessment.overall), { system: this.urls.taskId, value: focus });
      written.push(`Task/${task.id}`);
    }

    const basis = [exchange.patientMessage?.reference, exchange.botReply?.reference].filter((r): r is string => !!r);
    const riskAssessment = await this.recordAssessment(patientId, `Communication/${communicationId}`, basis, assessment, opinion, written);
    log.info(
      { communication: communicationId, findings: assessment.findings.length, flagged: assessment.flagged.length, overall: assessment.overall, ehr: ehr.name },
      'message analysed',
    );
    return riskAssessment;
  }

  private async explainAndRecord(patientId: string, findings: Finding[]): Promise<ReviewedFinding[]> {
    const reviewed: ReviewedFinding[] = [];
    for (const finding of findings) {
      const passages = await this.deps.guidelines.search(retrievalQuery(this.deps.kb, finding), { category: finding.category, limit: 2 });
      const explanation = await this.explain(finding, passages);
      const issue = buildDetectedIssue(this.urls, patientId, finding, explanation);
      const stored = await this.deps.ehr.upsert(issue, issue.identifier?.[0] as { system: string; value: string });
      reviewed.push({ finding, explanation, detectedIssue: `DetectedIssue/${stored.id}` });
    }
    return reviewed;
  }

  /** The model's second opinion on a bot reply; rules-only when no model is configured or none answers. */
  private async secondOpinion(exchange: Exchange, context: PatientContext, at: Date) {
    const analyzer = this.deps.llm?.analyzer;
    if (!analyzer || !exchange.botReply) return undefined;
    try {
      return await analyzer.analyze({
        patientMessage: exchange.patientMessage,
        botReply: exchange.botReply,
        context: codedContext(context, resolvePatientState(context, at)),
      });
    } catch (err) {
      this.deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'second opinion unavailable; rules only');
      return 'unavailable' as const;
    }
  }

  /** The model phrases the explanation when it can cite every sentence; the template does otherwise. */
  private async explain(finding: Finding, passages: Passage[]): Promise<Explanation> {
    const explainer = this.deps.llm?.explainer;
    if (explainer && passages.length > 0) {
      try {
        const phrased = await explainer.explain(finding.summary, passages);
        const sources = phrased.citations.map((c, i) => `[${i + 1}] ${c.title} (${c.issuer}), "${c.section}", ${c.url}`).join('; ');
        return { text: `${phrased.text}\nSources: ${sources}`, citations: phrased.citations };
      } catch (err) {
        this.deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'explanation by template');
      }
    }
    return explainFinding(this.deps.kb, finding, passages);
  }

  private async recordAssessment(
    patientId: string,
    analysed: string,
    basis: string[],
    assessment: ReturnType<typeof score>,
    opinion: MergedOpinion,
    written: string[],
  ): Promise<RiskAssessment> {
    const { db, repo, audit } = this.deps;
    return db.transaction(async (tx) => {
      const existing = await repo.findByIdentifier<RiskAssessment>('RiskAssessment', { system: this.urls.assessmentId, value: analysed }, tx);
      if (existing) return existing;
      const created = await repo.create(tx, buildRiskAssessment(this.urls, patientId, analysed, basis, assessment, opinion));
      await audit.record(
        { action: 'E', interaction: 'job:analyze-message', agent: 'vigil-worker', entities: [analysed, `Patient/${patientId}`, `RiskAssessment/${created.id}`, ...written], outcome: 'success' },
        tx,
      );
      return created;
    });
  }
}
