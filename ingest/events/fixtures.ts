/** Complete CTE records for tests and docs/events.md: one strawberry lot from field to salad. */

export const FARM = 'urn:epc:id:sgln:0614141.00001.0';
export const COOLER = 'urn:epc:id:sgln:0614141.00002.0';
export const PACKHOUSE = 'urn:epc:id:sgln:0614141.00003.0';
export const DC = 'urn:epc:id:sgln:0098765.00010.0';
export const PROCESSOR = 'urn:epc:id:sgln:0098765.00020.0';

export const harvesting = {
  cte: 'harvesting',
  eventTime: '2025-06-01T06:30:00-07:00',
  subsequentRecipientLocation: COOLER,
  commodity: 'strawberry',
  variety: 'Albion',
  quantity: 120,
  unitOfMeasure: 'bins',
  farmLocation: FARM,
  fieldName: 'North 7',
  harvestDate: '2025-06-01',
  referenceDocuments: [{ type: 'harvest log', number: 'HL-2025-0601-7' }],
  harvesterBusinessName: 'Sunny Acres Farm LLC',
  harvesterPhone: '+1 831 555 0142',
};

export const cooling = {
  cte: 'cooling',
  subsequentRecipientLocation: PACKHOUSE,
  commodity: 'strawberry',
  variety: 'Albion',
  quantity: 120,
  unitOfMeasure: 'bins',
  coolingLocation: COOLER,
  coolingDate: '2025-06-01',
  eventTimeZoneOffset: '-07:00',
  farmLocation: FARM,
  referenceDocuments: [{ type: 'cooling log', number: 'CL-88' }],
};

export const initialPacking = {
  cte: 'initial_packing',
  eventTime: '2025-06-01T14:00:00-07:00',
  commodity: 'strawberry',
  variety: 'Albion',
  receivedDate: '2025-06-01',
  receivedQuantity: 120,
  receivedUnitOfMeasure: 'bins',
  farmLocation: FARM,
  fieldName: 'North 7',
  harvesterBusinessName: 'Sunny Acres Farm LLC',
  harvesterPhone: '+1 831 555 0142',
  harvestDate: '2025-06-01',
  coolingLocation: COOLER,
  coolingDate: '2025-06-01',
  traceabilityLotCode: 'urn:epc:class:lgtin:0614141.107346.LOT2025A',
  productDescription: 'Strawberries, 8 x 1 lb clamshell',
  quantity: 400,
  unitOfMeasure: 'cases',
  packingLocation: PACKHOUSE,
  packingDate: '2025-06-01',
  referenceDocuments: [{ type: 'production log', number: 'PK-1001' }],
  contactName: 'Maria Lopez',
};

export const shipping = {
  cte: 'shipping',
  eventId: 'ship-2025-06-02-0001',
  eventTime: '2025-06-02T05:00:00-07:00',
  traceabilityLotCode: 'urn:epc:class:lgtin:0614141.107346.LOT2025A',
  quantity: 400,
  unitOfMeasure: 'cases',
  productDescription: 'Strawberries, 8 x 1 lb clamshell',
  shipToLocation: DC,
  shipFromLocation: PACKHOUSE,
  shipDate: '2025-06-02',
  tlcSource: PACKHOUSE,
  referenceDocuments: [{ type: 'BOL', number: 'BOL-77812' }],
};

export const receiving = {
  cte: 'receiving',
  eventTime: '2025-06-02T16:20:00-07:00',
  traceabilityLotCode: 'urn:epc:class:lgtin:0614141.107346.LOT2025A',
  quantity: 400,
  unitOfMeasure: 'cases',
  productDescription: 'Strawberries, 8 x 1 lb clamshell',
  immediatePreviousSourceLocation: PACKHOUSE,
  receivingLocation: DC,
  receiveDate: '2025-06-02',
  tlcSourceReference: 'https://packer.example/tlc-source/LOT2025A',
  referenceDocuments: [{ type: 'BOL', number: 'BOL-77812' }],
};

export const transformation = {
  cte: 'transformation',
  eventTime: '2025-06-03T10:00:00-07:00',
  inputs: [
    { traceabilityLotCode: 'urn:epc:class:lgtin:0614141.107346.LOT2025A', productDescription: 'Strawberries, 8 x 1 lb clamshell', quantity: 20, unitOfMeasure: 'cases' },
    { traceabilityLotCode: 'DC-SPINACH-0601', productDescription: 'Baby spinach, 2 lb bag', quantity: 15, unitOfMeasure: 'bags' },
  ],
  outputs: [
    { traceabilityLotCode: 'SALAD-20250603-01', productDescription: 'Spinach strawberry salad, 10 oz', quantity: 300, unitOfMeasure: 'units' },
  ],
  transformationLocation: PROCESSOR,
  transformationDate: '2025-06-03',
  referenceDocuments: [{ type: 'production log', number: 'PL-3310' }],
};

export const RECORDS = {
  harvesting,
  cooling,
  initial_packing: initialPacking,
  shipping,
  receiving,
  transformation,
} as const;
