/// The API's OpenAPI 3.1 document, served at `/api/v1/openapi.yaml`. The same text is committed at
/// `api/openapi.yaml`; a test fails when the two differ, or when the document and the routes disagree.
enum OpenAPIDocument {
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: tradu orchestrator API
          version: "1"
          description: >-
            Read the state of tradu environments: pipelines, blocks (keyset pages), one block's path, instances and
            revisions. Every request but /healthz and this document needs `Authorization: Bearer <token>` unless the
            server runs with --public-read (reads only). Errors are RFC 9457 problem+json; every response carries
            X-Request-ID. Paths are relative to the server's --base-path.
        servers:
          - url: /
        security:
          - bearer: []
        paths:
          /healthz:
            get:
              operationId: health
              security: []
              responses:
                "200":
                  description: The server answers.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [status]
                        properties:
                          status: {type: string, const: ok}
          /api/v1/openapi.yaml:
            get:
              operationId: openapi
              security: []
              responses:
                "200":
                  description: This document.
                  content:
                    application/yaml:
                      schema: {description: The OpenAPI document, as YAML.}
          /api/v1/environments:
            get:
              operationId: listEnvironments
              responses:
                "200":
                  description: The environments this server serves.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Environment"}
                "401": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/pipelines:
            get:
              operationId: listPipelines
              parameters:
                - $ref: "#/components/parameters/env"
              responses:
                "200":
                  description: Pipelines with counts by state, conditions and spend.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Pipeline"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/blocks:
            get:
              operationId: listBlocks
              description: >-
                Blocks in id order, a page at a time: pass the previous page's `next` as `after`. Never an offset and never
                a count.
              parameters:
                - $ref: "#/components/parameters/env"
                - {name: state, in: query, schema: {$ref: "#/components/schemas/BlockState"}}
                - {name: pipeline, in: query, schema: {$ref: "#/components/schemas/Text"}}
                - {name: language, in: query, schema: {$ref: "#/components/schemas/Text"}}
                - {name: errorClass, in: query, schema: {$ref: "#/components/schemas/ErrorClass"}}
                - {name: dataset, in: query, schema: {$ref: "#/components/schemas/Text"}}
                - {name: after, in: query, schema: {$ref: "#/components/schemas/Text"}}
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: One page of blocks.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Block"}
                          next: {type: string, description: The `after` of the next page; absent on the last.}
                  links:
                    firstBlock:
                      operationId: getBlock
                      parameters:
                        env: $request.path.env
                        id: $response.body#/items/0/id
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/blocks/{id}:
            get:
              operationId: getBlock
              description: One block, a page of its events (pass `nextEvent` as `eventsAfter`), and its result versions.
              parameters:
                - $ref: "#/components/parameters/env"
                - {name: id, in: path, required: true, schema: {$ref: "#/components/schemas/Text"}}
                - {name: eventsAfter, in: query, schema: {type: integer, minimum: 0, maximum: 9223372036854775807}}
                - {name: eventLimit, in: query, schema: {type: integer, minimum: 1, maximum: 500}}
              responses:
                "200":
                  description: The block.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/BlockDetail"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/instances:
            get:
              operationId: listInstances
              parameters:
                - $ref: "#/components/parameters/env"
              responses:
                "200":
                  description: Live and dead processes, with their heartbeats and the blocks they hold.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Instance"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/revisions:
            get:
              operationId: listRevisions
              parameters:
                - $ref: "#/components/parameters/env"
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: Applied revisions, newest first.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Revision"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/actions:
            get:
              operationId: listActions
              description: The audit of operator actions (retry, cancel, pause, resume), from the command line and the API.
              parameters:
                - $ref: "#/components/parameters/env"
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: The most recent actions, newest first.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items: {$ref: "#/components/schemas/Action"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/blocks/retry:
            post:
              operationId: retryBlocks
              description: Sends failed (or cancelled) blocks back to the queue with a fresh retry budget. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
              requestBody: {$ref: "#/components/requestBodies/BlockAction"}
              responses:
                "200": {$ref: "#/components/responses/Count"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/blocks/cancel:
            post:
              operationId: cancelBlocks
              description: Cancels blocks; a worker holding one stops at its next heartbeat. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
              requestBody: {$ref: "#/components/requestBodies/BlockAction"}
              responses:
                "200": {$ref: "#/components/responses/Count"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/pipelines/{pipeline}/pause:
            post:
              operationId: pausePipeline
              description: Stops starting new blocks of the pipeline; nothing is cancelled. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
                - $ref: "#/components/parameters/pipeline"
              requestBody: {$ref: "#/components/requestBodies/Reason"}
              responses:
                "200": {$ref: "#/components/responses/Changed"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/environments/{env}/pipelines/{pipeline}/resume:
            post:
              operationId: resumePipeline
              description: Lifts a pause. Needs operate.
              parameters:
                - $ref: "#/components/parameters/env"
                - $ref: "#/components/parameters/pipeline"
              requestBody: {$ref: "#/components/requestBodies/Reason"}
              responses:
                "200": {$ref: "#/components/responses/Changed"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
        components:
          securitySchemes:
            bearer: {type: http, scheme: bearer}
          parameters:
            env: {name: env, in: path, required: true, schema: {$ref: "#/components/schemas/Text"}}
            limit: {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 100}}
            pipeline: {name: pipeline, in: path, required: true, schema: {$ref: "#/components/schemas/Text"}}
          requestBodies:
            Reason:
              required: true
              content:
                application/json:
                  schema:
                    type: object
                    additionalProperties: false
                    required: [reason]
                    properties:
                      reason: {$ref: "#/components/schemas/Reason"}
            BlockAction:
              required: true
              description: Why, and which blocks (either ids, or a pipeline and an optional state).
              content:
                application/json:
                  schema:
                    type: object
                    additionalProperties: false
                    required: [reason]
                    properties:
                      reason: {$ref: "#/components/schemas/Reason"}
                      ids:
                        type: array
                        minItems: 1
                        maxItems: 10000
                        items: {type: string, minLength: 1, pattern: '^[^\x00]*$'}
                      pipeline: {type: string, minLength: 1, pattern: '^[^\x00]*$'}
                      state: {$ref: "#/components/schemas/BlockState"}
                    oneOf:
                      - {required: [ids], not: {required: [pipeline]}}
                      - {required: [pipeline], not: {required: [ids]}}
          responses:
            Count:
              description: How many blocks the action changed.
              content:
                application/json:
                  schema:
                    type: object
                    required: [count]
                    properties:
                      count: {type: integer, minimum: 0}
            Changed:
              description: Whether the pipeline changed (false when it already was in that state; nothing is recorded then).
              content:
                application/json:
                  schema:
                    type: object
                    required: [changed]
                    properties:
                      changed: {type: boolean}
            Problem:
              description: An RFC 9457 problem.
              content:
                application/problem+json:
                  schema: {$ref: "#/components/schemas/Problem"}
          schemas:
            Text:
              description: Any text without a NUL character (PostgreSQL text cannot hold one; a NUL is a 400).
              type: string
              pattern: '^[^\x00]*$'
            Reason:
              description: Why; recorded in the audit with who did it.
              type: string
              minLength: 1
              pattern: '^[^\x00]*\S[^\x00]*$'
            Action:
              type: object
              required: [id, action, actor, reason, via, at]
              properties:
                id: {type: integer}
                action: {type: string}
                pipeline: {type: string}
                actor: {type: string}
                reason: {type: string}
                via: {type: string, enum: [cli, api]}
                detail: {type: string}
                at: {type: string}
            Problem:
              type: object
              required: [type, title, status, detail, instance, requestId]
              properties:
                type: {type: string}
                title: {type: string}
                status: {type: integer}
                detail: {type: string}
                instance: {type: string}
                requestId: {type: string}
            BlockState:
              type: string
              enum: [created, claimed, enqueued, in_process, completed, failed, cancelled]
            ErrorClass:
              type: string
              enum: [capacity, dependency, data, infrastructure, logic]
            Environment:
              type: object
              required: [name, pipelines, conditions]
              properties:
                name: {type: string}
                pipelines: {type: array, items: {type: string}}
                conditions: {type: array, items: {type: object}}
            Pipeline:
              type: object
              description: >-
                Counts and conditions are the leading controller's, as of countsUpdatedAt (absent before its first cycle):
                never counted per request.
              required: [name, dataset, generation, counts, conditions, inProviderBatches]
              properties:
                name: {type: string}
                dataset: {type: string}
                generation: {type: integer}
                counts: {type: object, additionalProperties: {type: integer}}
                conditions: {type: array, items: {type: object}}
                observedGeneration: {type: integer}
                countsUpdatedAt: {type: string}
                inProviderBatches: {type: integer}
                spend: {type: object}
                paused: {type: object}
            Block:
              type: object
              required: [id, pipeline, targetLanguage, state, attempt, attemptsUsed, updatedAt]
              properties:
                id: {type: string}
                pipeline: {type: string}
                targetLanguage: {type: string}
                state: {$ref: "#/components/schemas/BlockState"}
                attempt: {type: integer}
                attemptsUsed: {type: integer}
                updatedAt: {type: string}
                errorClass: {type: string}
                lastError: {type: string}
            Event:
              type: object
              required: [sequence, to, attempt, at]
              properties:
                sequence: {type: integer}
                from: {$ref: "#/components/schemas/BlockState"}
                to: {$ref: "#/components/schemas/BlockState"}
                attempt: {type: integer}
                at: {type: string}
                instanceId: {type: string}
                reason: {type: string}
                errorClass: {type: string}
                error: {type: string}
            Result:
              type: object
              required: [specHash, current, attempt, inputTokens, outputTokens, completedAt, records]
              properties:
                specHash: {type: string}
                current: {type: boolean}
                attempt: {type: integer}
                inputTokens: {type: integer}
                outputTokens: {type: integer}
                completedAt: {type: string}
                records: {type: array, items: {type: object}}
            BlockDetail:
              type: object
              required: [block, events, results]
              properties:
                block: {$ref: "#/components/schemas/Block"}
                events: {type: array, items: {$ref: "#/components/schemas/Event"}}
                nextEvent: {type: integer}
                results: {type: array, items: {$ref: "#/components/schemas/Result"}}
            Instance:
              type: object
              required: [id, role, host, pid, version, state, startedAt, heartbeatAt, silentForSeconds, blocksHeld]
              properties:
                id: {type: string}
                role: {type: string}
                host: {type: string}
                pid: {type: integer}
                version: {type: string}
                state: {type: string}
                startedAt: {type: string}
                heartbeatAt: {type: string}
                silentForSeconds: {type: number}
                blocksHeld: {type: integer}
            Revision:
              type: object
              required: [number, appliedBy, appliedAt, manifestDigest]
              properties:
                number: {type: integer}
                serial: {type: integer}
                appliedBy: {type: string}
                appliedAt: {type: string}
                manifestDigest: {type: string}
                gitCommit: {type: string}
                message: {type: string}
                freight: {type: string}
                summary: {type: object}
        """#
}
