import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, printSchema, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { PROJECT_ROOT } from '../../src/paths';
import { buildSchemaForPrinting } from '../../src/schema/build-schema';

const SCHEMA_FILE = path.join(PROJECT_ROOT, 'schema.graphql');

/** schema.graphql as of the last commit (the working copy's when git cannot tell). */
function committedSdl(): string {
  try {
    return execFileSync('git', ['show', 'HEAD:schema.graphql'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return fs.readFileSync(SCHEMA_FILE, 'utf8');
  }
}

describe('the schema', () => {
  let schema: GraphQLSchema;
  let sdl: string;

  beforeAll(async () => {
    schema = await buildSchemaForPrinting();
    sdl = printSchema(schema) + '\n';
    // `npm run schema:write` regenerates the committed file.
    if (process.env.UPDATE_SCHEMA === '1') fs.writeFileSync(SCHEMA_FILE, sdl);
  });

  it('is the committed schema.graphql (run `npm run schema:write` after a change, and commit it)', () => {
    expect(sdl).toBe(fs.readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('breaks nothing of the committed version: removals go through @deprecated first', async () => {
    const before = buildSchema(committedSdl());
    const breaking = (await diff(before, schema)).filter((change) => {
      if (change.criticality.level !== CriticalityLevel.Breaking) return false;
      // A field or enum value deprecated in the committed version may go.
      const [typeName, member] = (change.path ?? '').split('.');
      const type = before.getType(typeName);
      if (member && (isObjectType(type) || isInterfaceType(type))) return !type.getFields()[member]?.deprecationReason;
      if (member && isEnumType(type)) return !type.getValue(member)?.deprecationReason;
      return true;
    });
    expect(breaking.map((change) => change.message)).toEqual([]);
  });

  it('describes every type, field, argument and enum value', () => {
    const undescribed: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) undescribed.push(`type ${type.name}`);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) undescribed.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) if (!arg.description) undescribed.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) undescribed.push(`${type.name}.${value.name}`);
    }
    expect(undescribed).toEqual([]);
  });

  it('has enums for closed sets', () => {
    const typeOf = (typeName: string, field: string) => String((schema.getType(typeName) as GraphQLObjectType).getFields()[field].type);
    expect([typeOf('Study', 'status'), typeOf('Study', 'preset'), typeOf('Experiment', 'status'), typeOf('ExperimentProgress', 'status')]).toEqual([
      'StudyStatus!',
      'StudyPreset!',
      'ExperimentStatus!',
      'ExperimentStatus!',
    ]);
  });
});
