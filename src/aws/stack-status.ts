// What a CloudFormation stack status means for us: pure predicates and the
// one decision "what does a deploy do with a stack in this state", tested alone.
//
// Decisions (documented here because they are choices, not AWS facts):
// - absent / DELETE_COMPLETE -> create.
// - ROLLBACK_COMPLETE and ROLLBACK_FAILED (a first create that failed) can never
//   be updated: delete, wait, create anew.
// - REVIEW_IN_PROGRESS is a stack made by CreateChangeSet that was never executed:
//   it has no resources and blocks CreateStack, so it is deleted and created anew too.
//   (This tool never makes change sets; someone else did.)
// - UPDATE_ROLLBACK_FAILED needs `continue-update-rollback`; we stop with that advice.
// - DELETE_FAILED: a delete that did not finish. CloudFormation refuses updates, and
//   deleting again could take the bucket's data with it, so we stop and point at
//   delete-stack rather than deleting on the user's behalf.
// - *_IN_PROGRESS (except REVIEW_IN_PROGRESS, which never settles on its own) -> wait.

export type StackStatusName = string;

/** An operation is running; waiting will reach a settled status. */
export function isInProgress(status: StackStatusName | undefined): boolean {
  return status?.endsWith("_IN_PROGRESS") === true && status !== "REVIEW_IN_PROGRESS";
}

/** No stack by that name exists (any more). */
export function isDeleted(status: StackStatusName | undefined): boolean {
  return status === undefined || status === "DELETE_COMPLETE";
}

export type NextStep =
  | { kind: "create" }
  | { kind: "update" }
  | { kind: "wait" }
  | { kind: "recreate"; why: string }
  | { kind: "blocked"; why: string };

/** What a deploy does next with a stack in this status (undefined = no stack). */
export function nextStep(status: StackStatusName | undefined): NextStep {
  if (isDeleted(status)) return { kind: "create" };
  if (isInProgress(status)) return { kind: "wait" };
  switch (status) {
    case "ROLLBACK_COMPLETE":
    case "ROLLBACK_FAILED":
      return { kind: "recreate", why: "its first creation failed and it cannot be updated" };
    case "REVIEW_IN_PROGRESS":
      return { kind: "recreate", why: "it holds only an unexecuted change set" };
    case "CREATE_COMPLETE":
    case "UPDATE_COMPLETE":
    case "UPDATE_ROLLBACK_COMPLETE":
    case "IMPORT_COMPLETE":
    case "IMPORT_ROLLBACK_COMPLETE":
      return { kind: "update" };
    case "UPDATE_ROLLBACK_FAILED":
      return { kind: "blocked", why: "its last update failed and so did the rollback" };
    case "DELETE_FAILED":
      return { kind: "blocked", why: "a delete did not finish" };
    default:
      // IMPORT_ROLLBACK_FAILED and statuses AWS may add later: don't guess.
      return { kind: "blocked", why: "this tool does not know how to deploy over that status" };
  }
}

/** The exact command that unsticks an UPDATE_ROLLBACK_FAILED stack. */
export function continueRollbackCommand(stackName: string, region?: string): string {
  return `aws cloudformation continue-update-rollback --stack-name ${stackName}${region ? ` --region ${region}` : ""}`;
}
