import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, type Connection } from '../connection';

export enum RoleEnum {
  READER = 'reader',
  WRITER = 'writer',
  ADMIN = 'admin',
}
registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'What a token may do; each role includes the ones before it.',
  valuesConfig: {
    READER: { description: 'Queries and subscriptions.' },
    WRITER: { description: 'Also imports, experiments, studies, predictions and pre-training.' },
    ADMIN: { description: 'Also deletes, renames, tokens and the audit log.' },
  },
});

@ObjectType('ApiToken', { description: 'An API token as stored: never the token itself, which is shown once when created.' })
export class ApiTokenType {
  @Field(() => ID, { description: 'The token id (for revoking it and in the audit log).' }) id!: string;
  @Field({ description: 'A name that says whose or what it is.' }) name!: string;
  @Field(() => RoleEnum, { description: 'What it may do.' }) role!: RoleEnum;
  @Field({ description: 'When it was created.' }) createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When it stops working; null: never.' }) expiresAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When it was revoked; null: not revoked.' }) revokedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When it was last used (to the minute); null: never.' }) lastUsedAt!: Date | null;
}

@ObjectType('CreatedApiToken', { description: 'A new token: `token` is shown this once and cannot be read again.' })
export class CreatedApiTokenType {
  @Field({ description: 'The token, to send as "Authorization: Bearer <token>". Store it now: only its hash is kept.' }) token!: string;
  @Field(() => ApiTokenType, { description: 'The stored token record.' }) apiToken!: ApiTokenType;
}

@InputType('CreateApiTokenInput', { description: 'A token to create.' })
export class CreateApiTokenInput {
  @Field(() => RoleEnum, { description: 'What it may do.' }) role!: RoleEnum;
  @Field(() => String, { nullable: true, description: 'A name that says whose or what it is (1 to 100 characters); default "<role> token".' }) name?: string | null;
  @Field(() => Int, { nullable: true, description: 'Days until it expires (1 to 3650); omitted: it does not expire.' }) expiresInDays?: number | null;
}

@ObjectType('AuditEntry', { description: 'One write (a mutation): who made it, with which token, on what, when, and how it ended.' })
export class AuditEntryType {
  @Field(() => ID, { description: 'The entry id.' }) id!: string;
  @Field({ description: 'When the write finished.' }) createdAt!: Date;
  @Field(() => ID, { nullable: true, description: 'The token used; null without one (anonymous, or auth off).' }) tokenId!: string | null;
  @Field({ description: "The token's name at the time, or anonymous." }) actor!: string;
  @Field({ description: "The token's role at the time." }) role!: string;
  @Field({ description: 'The mutation, e.g. importDataset.' }) operation!: string;
  @Field(() => GraphQLJSONObject, { description: 'The ids and names the mutation named (never file contents or spectra).' }) target!: Record<string, unknown>;
  @Field({ description: '"ok", or the error code it ended with.' }) outcome!: string;
  @Field(() => String, { nullable: true, description: "The error's message when it failed; null when ok." }) error!: string | null;
}

export const AuditEntryConnection = connectionType(AuditEntryType, 'AuditEntry', 'audit log entry');
export type AuditEntryConnection = Connection<AuditEntryType>;
