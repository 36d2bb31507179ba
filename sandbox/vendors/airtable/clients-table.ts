import type { Customer, CustomerVariant, World } from '../../core/world.js';
import { airtableId } from './ids.js';
import { compact, field, iso, type Cells, type CellValue, type Row, type TableDef } from './tables.js';

const NAME = 'Clients';

const FIELDS = [
  field(NAME, 'Name', 'singleLineText'),
  field(NAME, 'First Name', 'singleLineText'),
  field(NAME, 'Last Name', 'singleLineText'),
  field(NAME, 'Email', 'email'),
  field(NAME, 'Phone', 'phoneNumber'),
  field(NAME, 'Company', 'singleLineText'),
  field(NAME, 'Address', 'singleLineText'),
  field(NAME, 'City', 'singleLineText'),
  field(NAME, 'State', 'singleLineText'),
  field(NAME, 'Postal Code', 'singleLineText'),
  field(NAME, 'Country', 'singleLineText'),
  field(NAME, 'Lead', 'checkbox'),
  field(NAME, 'Last Modified', 'lastModifiedTime'),
] as const;

const text = (value: CellValue | null | undefined): string | null => (typeof value === 'string' ? value : null);

function variantOf(customer: Customer): CustomerVariant {
  return customer.variants.airtable ?? {};
}

function cells(row: Row): Cells {
  const customer = row as Customer;
  const variant = variantOf(customer);
  return compact({
    Name: variant.displayName ?? `${customer.firstName} ${customer.lastName}`.trim(),
    'First Name': customer.firstName,
    'Last Name': customer.lastName,
    Email: 'email' in variant ? variant.email : customer.email,
    Phone: 'phone' in variant ? variant.phone : customer.phone,
    Company: customer.companyName,
    Address: customer.address.street1,
    City: customer.address.city,
    State: customer.address.province,
    'Postal Code': customer.address.postalCode,
    Country: customer.address.country,
    Lead: customer.isLead,
    'Last Modified': iso(customer.updatedAt),
  });
}

/**
 * Writes through the API change the canonical customer, and drop the Airtable variant's override of a field
 * that was written (Airtable now shows what was written).
 */
function apply(customer: Customer, written: Partial<Cells>, replace: boolean): void {
  const given = (name: string) => name in written || replace;
  const variant = { ...variantOf(customer) };
  if (given('Name') || given('First Name') || given('Last Name')) {
    let first = text(written['First Name']);
    let last = text(written['Last Name']);
    const name = text(written.Name);
    if (name !== null && first === null && last === null) {
      const space = name.indexOf(' ');
      first = space < 0 ? name : name.slice(0, space);
      last = space < 0 ? '' : name.slice(space + 1);
    }
    if (given('First Name') || first !== null) customer.firstName = first ?? '';
    if (given('Last Name') || last !== null) customer.lastName = last ?? '';
    delete variant.displayName;
  }
  if (given('Email')) {
    customer.email = text(written.Email);
    delete variant.email;
  }
  if (given('Phone')) {
    customer.phone = text(written.Phone);
    delete variant.phone;
  }
  if (given('Company')) customer.companyName = text(written.Company);
  if (given('Address')) customer.address.street1 = text(written.Address) ?? '';
  if (given('City')) customer.address.city = text(written.City) ?? '';
  if (given('State')) customer.address.province = text(written.State) ?? '';
  if (given('Postal Code')) customer.address.postalCode = text(written['Postal Code']) ?? '';
  if (given('Country')) customer.address.country = text(written.Country) ?? '';
  if (given('Lead')) customer.isLead = written.Lead === true;
  customer.variants.airtable = variant;
}

/** Airtable has a row for this customer (not deleted, not missing from Airtable). */
export const clientVisible = (customer: Customer) => !customer.deletedAt && !variantOf(customer).missing;

export const clientsTable: TableDef = {
  id: airtableId('tbl', NAME),
  name: NAME,
  fields: FIELDS,
  rows: (world: World) => world.customers,
  visible: (row) => clientVisible(row as Customer),
  cells,
  create(world, _state, written, now) {
    // A row typed into Airtable exists only there: the other vendors have no copy of it yet.
    const customer: Customer = {
      key: world.customers.length,
      firstName: '',
      lastName: '',
      companyName: null,
      email: null,
      phone: null,
      address: { street1: '', city: '', province: '', postalCode: '', country: '' },
      isLead: false,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      variants: { jobber: { missing: true }, quickbooks: { missing: true } },
    };
    apply(customer, written, false);
    world.customers.push(customer);
    return customer;
  },
  update(_world, row, written, replace, now) {
    apply(row as Customer, written, replace);
    row.updatedAt = now;
  },
  destroy(_world, _state, row) {
    // Deleting the Airtable row removes Airtable's copy only; the customer lives on in the other vendors.
    (row as Customer).variants.airtable = { missing: true };
  },
};
