// Reading synthesized templates in the deploy tests: resources by type, and the IAM statements
// attached to one role.
import { Template } from 'aws-cdk-lib/assertions';

export type Resource = { Type: string; Properties?: Record<string, any>; DependsOn?: string[] };

export const resourcesOf = (template: Template, type: string): [string, Resource][] =>
  Object.entries(template.findResources(type) as Record<string, Resource>);

/** The policies attached to exactly the role `roleId`. */
export const policiesOfRole = (template: Template, roleId: string) => resourcesOf(template, 'AWS::IAM::Policy')
  .filter(([, p]) => JSON.stringify(p.Properties!.Roles) === JSON.stringify([{ Ref: roleId }]));

/** The statements of those policies. */
export const statementsOfRole = (template: Template, roleId: string) =>
  policiesOfRole(template, roleId).flatMap(([, p]) => p.Properties!.PolicyDocument.Statement);
