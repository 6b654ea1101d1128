/**
 * FreshTrail's CTE record format: one TypeBox schema per Critical Tracking Event whose fields
 * are the FSMA 204 Key Data Elements in camelCase, and the KDE table that names, for every
 * field, the KDE label (a spreadsheet column) and the regulation paragraph that requires it.
 * The schemas reject unknown fields so a misspelt KDE is an error, not a silent gap.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Text = Type.String({ minLength: 1, maxLength: 500 });
/** A calendar date, YYYY-MM-DD: FSMA asks for dates, not times. */
const DateKde = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' });
const Quantity = Type.Number({ exclusiveMinimum: 0 });
/** A location id: a FreshTrail location or a GLN/SGLN URN, kept as given. */
const Location = Text;

export const ReferenceDocumentSchema = Type.Object(
  { type: Text, number: Text },
  { additionalProperties: false },
);
const ReferenceDocuments = Type.Array(ReferenceDocumentSchema, { minItems: 1 });

/** Fields every record may carry besides its KDEs; none is a KDE. */
const Envelope = {
  /** Stable id chosen by the client; derived from the record when absent (event-id.ts). */
  eventId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** The precise time, RFC 3339 with an offset; its local date must be the record's date KDE.
   * Absent: midnight of the date KDE at `eventTimeZoneOffset`. */
  eventTime: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$' })),
  eventTimeZoneOffset: Type.Optional(Type.String({ pattern: '^[+-](0\\d|1[0-4]):[0-5]\\d$' })),
  /** Personal data: moved to `contacts` (types.ts). */
  contactName: Type.Optional(Text),
  contactPhone: Type.Optional(Text),
  contactEmail: Type.Optional(Text),
};

const harvestingKdes = {
  subsequentRecipientLocation: Location,
  commodity: Text,
  variety: Type.Optional(Text),
  quantity: Quantity,
  unitOfMeasure: Text,
  farmLocation: Location,
  fieldName: Text,
  harvestDate: DateKde,
  referenceDocuments: ReferenceDocuments,
  harvesterBusinessName: Text,
};
export const HarvestingKdesSchema = Type.Object(harvestingKdes);
export type HarvestingKdes = Static<typeof HarvestingKdesSchema>;

const coolingKdes = {
  subsequentRecipientLocation: Location,
  commodity: Text,
  variety: Type.Optional(Text),
  quantity: Quantity,
  unitOfMeasure: Text,
  coolingLocation: Location,
  coolingDate: DateKde,
  farmLocation: Location,
  referenceDocuments: ReferenceDocuments,
};
export const CoolingKdesSchema = Type.Object(coolingKdes);
export type CoolingKdes = Static<typeof CoolingKdesSchema>;

const initialPackingKdes = {
  commodity: Text,
  variety: Type.Optional(Text),
  receivedDate: DateKde,
  receivedQuantity: Quantity,
  receivedUnitOfMeasure: Text,
  farmLocation: Location,
  fieldName: Text,
  harvesterBusinessName: Text,
  harvestDate: DateKde,
  coolingLocation: Type.Optional(Location),
  coolingDate: Type.Optional(DateKde),
  traceabilityLotCode: Text,
  productDescription: Text,
  quantity: Quantity,
  unitOfMeasure: Text,
  packingLocation: Location,
  tlcSourceReference: Type.Optional(Text),
  packingDate: DateKde,
  referenceDocuments: ReferenceDocuments,
};
export const InitialPackingKdesSchema = Type.Object(initialPackingKdes);
export type InitialPackingKdes = Static<typeof InitialPackingKdesSchema>;

const shippingKdes = {
  traceabilityLotCode: Text,
  quantity: Quantity,
  unitOfMeasure: Text,
  productDescription: Text,
  commodity: Type.Optional(Text),
  variety: Type.Optional(Text),
  shipToLocation: Location,
  shipFromLocation: Location,
  shipDate: DateKde,
  /** One of tlcSource / tlcSourceReference is required (checked in cte.ts). */
  tlcSource: Type.Optional(Location),
  tlcSourceReference: Type.Optional(Text),
  referenceDocuments: ReferenceDocuments,
};
export const ShippingKdesSchema = Type.Object(shippingKdes);
export type ShippingKdes = Static<typeof ShippingKdesSchema>;

const receivingKdes = {
  /** Absent only when `shipperExempt` and the receiver assigns `assignedTlc`. */
  traceabilityLotCode: Type.Optional(Text),
  /** §1.1345(b): the shipper is not subject to the rule. */
  shipperExempt: Type.Optional(Type.Boolean()),
  /** §1.1345(b)(1): the TLC the receiver assigned because the exempt shipper gave none. */
  assignedTlc: Type.Optional(Text),
  quantity: Quantity,
  unitOfMeasure: Text,
  productDescription: Text,
  commodity: Type.Optional(Text),
  variety: Type.Optional(Text),
  immediatePreviousSourceLocation: Location,
  receivingLocation: Location,
  receiveDate: DateKde,
  tlcSource: Type.Optional(Location),
  tlcSourceReference: Type.Optional(Text),
  referenceDocuments: ReferenceDocuments,
};
export const ReceivingKdesSchema = Type.Object(receivingKdes);
export type ReceivingKdes = Static<typeof ReceivingKdesSchema>;

const LotLine = Type.Object(
  { traceabilityLotCode: Text, productDescription: Text, quantity: Quantity, unitOfMeasure: Text },
  { additionalProperties: false },
);
export type LotLine = Static<typeof LotLine>;

const transformationKdes = {
  inputs: Type.Array(LotLine, { minItems: 1 }),
  outputs: Type.Array(LotLine, { minItems: 1 }),
  commodity: Type.Optional(Text),
  variety: Type.Optional(Text),
  transformationLocation: Location,
  tlcSourceReference: Type.Optional(Text),
  transformationDate: DateKde,
  referenceDocuments: ReferenceDocuments,
};
export const TransformationKdesSchema = Type.Object(transformationKdes);
export type TransformationKdes = Static<typeof TransformationKdesSchema>;

function record<C extends string, P extends Record<string, TSchema>>(cte: C, kdes: P) {
  return Type.Object({ cte: Type.Literal(cte), ...Envelope, ...kdes }, { additionalProperties: false });
}

/** The input schema of each CTE record (docs/events.md §1). */
export const CTE_RECORD_SCHEMAS = {
  harvesting: record('harvesting', { ...harvestingKdes, harvesterPhone: Text }),
  cooling: record('cooling', coolingKdes),
  initial_packing: record('initial_packing', { ...initialPackingKdes, harvesterPhone: Text }),
  shipping: record('shipping', shippingKdes),
  receiving: record('receiving', receivingKdes),
  transformation: record('transformation', transformationKdes),
} as const;

export type RecordCte = keyof typeof CTE_RECORD_SCHEMAS;
export const RECORD_CTES = Object.keys(CTE_RECORD_SCHEMAS) as RecordCte[];

/** One KDE of one CTE: its field, its label (spreadsheet column), the paragraph requiring it. */
export interface KdeInfo {
  label: string;
  /** "21 CFR 1.1340(a)(4)". */
  section: string;
  /** Required in every record of this CTE (optional KDEs apply "if applicable"). */
  required: boolean;
}

const cfr = (s: string): string => `21 CFR ${s}`;
const req = (label: string, s: string): KdeInfo => ({ label, section: cfr(s), required: true });
const opt = (label: string, s: string): KdeInfo => ({ label, section: cfr(s), required: false });

/**
 * The KDE table: field → label and regulation paragraph, per CTE. Field order is the column
 * order of the FSMA sortable spreadsheet. Nested fields are written `inputs[].quantity`.
 * Paragraph numbers of §§ 1.1330, 1.1340 and 1.1345 were checked against eCFR copies; those of
 * § 1.1325 (harvesting, cooling) and § 1.1350 (transformation) were not (no copy of their text
 * was reachable here): the KDEs themselves follow the reference, the paragraph numbers may be off.
 */
export const KDE_TABLE: Record<RecordCte, Record<string, KdeInfo>> = {
  harvesting: {
    subsequentRecipientLocation: req('Immediate Subsequent Recipient Location', '1.1325(a)(1)(i)'),
    commodity: req('Commodity', '1.1325(a)(1)(ii)'),
    variety: opt('Variety', '1.1325(a)(1)(ii)'),
    quantity: req('Quantity', '1.1325(a)(1)(iii)'),
    unitOfMeasure: req('Unit of Measure', '1.1325(a)(1)(iii)'),
    farmLocation: req('Farm Location', '1.1325(a)(1)(iv)'),
    fieldName: req('Field or Growing Area Name', '1.1325(a)(1)(v)'),
    harvestDate: req('Harvest Date', '1.1325(a)(1)(vii)'),
    referenceDocuments: req('Reference Document Type/Number', '1.1325(a)(1)(viii)'),
    harvesterBusinessName: req('Harvester Business Name', '1.1325(a)(2)'),
    harvesterPhone: req('Harvester Phone', '1.1325(a)(2)'),
  },
  cooling: {
    subsequentRecipientLocation: req('Immediate Subsequent Recipient Location', '1.1325(b)(1)'),
    commodity: req('Commodity', '1.1325(b)(2)'),
    variety: opt('Variety', '1.1325(b)(2)'),
    quantity: req('Quantity', '1.1325(b)(3)'),
    unitOfMeasure: req('Unit of Measure', '1.1325(b)(3)'),
    coolingLocation: req('Cooling Location', '1.1325(b)(4)'),
    coolingDate: req('Cooling Date', '1.1325(b)(5)'),
    farmLocation: req('Farm Location', '1.1325(b)(6)'),
    referenceDocuments: req('Reference Document Type/Number', '1.1325(b)(7)'),
  },
  initial_packing: {
    commodity: req('Commodity Received', '1.1330(a)(1)'),
    variety: opt('Variety Received', '1.1330(a)(1)'),
    receivedDate: req('Date Received', '1.1330(a)(2)'),
    receivedQuantity: req('Quantity Received', '1.1330(a)(3)'),
    receivedUnitOfMeasure: req('Unit of Measure Received', '1.1330(a)(3)'),
    farmLocation: req('Farm Location', '1.1330(a)(4)'),
    fieldName: req('Field or Growing Area Name', '1.1330(a)(5)'),
    harvesterBusinessName: req('Harvester Business Name', '1.1330(a)(7)'),
    harvesterPhone: req('Harvester Phone', '1.1330(a)(7)'),
    harvestDate: req('Harvest Date', '1.1330(a)(8)'),
    coolingLocation: opt('Cooling Location', '1.1330(a)(9)'),
    coolingDate: opt('Cooling Date', '1.1330(a)(10)'),
    traceabilityLotCode: req('Traceability Lot Code (TLC)', '1.1330(a)(11)'),
    productDescription: req('Product Description', '1.1330(a)(12)'),
    quantity: req('Quantity', '1.1330(a)(13)'),
    unitOfMeasure: req('Unit of Measure', '1.1330(a)(13)'),
    packingLocation: req('Packing Location (TLC Source)', '1.1330(a)(14)'),
    tlcSourceReference: opt('TLC Source Reference', '1.1330(a)(14)'),
    packingDate: req('Packing Date', '1.1330(a)(15)'),
    referenceDocuments: req('Reference Document Type/Number', '1.1330(a)(16)'),
  },
  shipping: {
    traceabilityLotCode: req('Traceability Lot Code (TLC)', '1.1340(a)(1)'),
    quantity: req('Quantity', '1.1340(a)(2)'),
    unitOfMeasure: req('Unit of Measure', '1.1340(a)(2)'),
    productDescription: req('Product Description', '1.1340(a)(3)'),
    shipToLocation: req('Ship To Location', '1.1340(a)(4)'),
    shipFromLocation: req('Ship From Location', '1.1340(a)(5)'),
    shipDate: req('Ship Date', '1.1340(a)(6)'),
    tlcSource: opt('TLC Source', '1.1340(a)(7)'),
    tlcSourceReference: opt('TLC Source Reference', '1.1340(a)(7)'),
    referenceDocuments: req('Reference Document Type/Number', '1.1340(a)(8)'),
  },
  receiving: {
    traceabilityLotCode: req('Traceability Lot Code (TLC)', '1.1345(a)(1)'),
    assignedTlc: opt('Traceability Lot Code (TLC) Assigned', '1.1345(b)(1)'),
    quantity: req('Quantity', '1.1345(a)(2)'),
    unitOfMeasure: req('Unit of Measure', '1.1345(a)(2)'),
    productDescription: req('Product Description', '1.1345(a)(3)'),
    immediatePreviousSourceLocation: req('Immediate Previous Source Location', '1.1345(a)(4)'),
    receivingLocation: req('Receiving Location', '1.1345(a)(5)'),
    receiveDate: req('Receive Date', '1.1345(a)(6)'),
    tlcSource: opt('TLC Source', '1.1345(a)(7)'),
    tlcSourceReference: opt('TLC Source Reference', '1.1345(a)(7)'),
    referenceDocuments: req('Reference Document Type/Number', '1.1345(a)(8)'),
  },
  transformation: {
    'inputs[].traceabilityLotCode': req('Input Traceability Lot Code (TLC)', '1.1350(a)(1)(i)'),
    'inputs[].productDescription': req('Input Product Description', '1.1350(a)(1)(ii)'),
    'inputs[].quantity': req('Input Quantity Used', '1.1350(a)(1)(iii)'),
    'inputs[].unitOfMeasure': req('Input Unit of Measure', '1.1350(a)(1)(iii)'),
    'outputs[].traceabilityLotCode': req('New Traceability Lot Code (TLC)', '1.1350(a)(2)(i)'),
    transformationLocation: req('Transformation Location (TLC Source)', '1.1350(a)(2)(ii)'),
    tlcSourceReference: opt('TLC Source Reference', '1.1350(a)(2)(ii)'),
    transformationDate: req('Date Transformation Completed', '1.1350(a)(2)(iii)'),
    'outputs[].productDescription': req('Product Description', '1.1350(a)(2)(iv)'),
    'outputs[].quantity': req('Quantity', '1.1350(a)(2)(v)'),
    'outputs[].unitOfMeasure': req('Unit of Measure', '1.1350(a)(2)(v)'),
    referenceDocuments: req('Reference Document Type/Number', '1.1350(a)(2)(vi)'),
    inputs: req('Inputs', '1.1350(a)(1)'),
    outputs: req('Outputs', '1.1350(a)(2)'),
  },
};

/** The field whose date is the event's date, per CTE. */
export const DATE_KDE: Record<RecordCte, string> = {
  harvesting: 'harvestDate',
  cooling: 'coolingDate',
  initial_packing: 'packingDate',
  shipping: 'shipDate',
  receiving: 'receiveDate',
  transformation: 'transformationDate',
};

/** `inputs[2].quantity` → `inputs[].quantity`: the key of a nested field in KDE_TABLE. */
export function kdeKey(field: string): string {
  return field.replace(/\[\d+\]/g, '[]');
}

/** "shipToLocation" (21 CFR 1.1340(a)(4)), or just the quoted field when it is no KDE. */
export function describeKde(cte: RecordCte, field: string): string {
  const info = KDE_TABLE[cte][kdeKey(field)];
  return info ? `"${field}" (${info.section})` : `"${field}"`;
}
