import Testing

@testable import TraduApp

/// `ProviderBatchFiles`: output and error file lines as OpenAI writes them, read into answers per request.
@Suite struct ProviderBatchFilesTests {
    @Test func answersErrorsAndRequestsThatNeverRan() {
        let lines = """
            {"id":"r1","custom_id":"b~1~1","response":{"status_code":200,"body":{"choices":[]}},"error":null}
            {"id":"r2","custom_id":"b~1~2","response":{"status_code":429,"body":{"error":{"message":"slow down"}}},"error":null}
            {"id":"r3","custom_id":"c~2~1","response":null,"error":{"code":"batch_expired","message":"not run"}}
            {"id":"r4","custom_id":"d~1~1","response":null,"error":{"code":"server_error","message":"boom"}}
            {"id":"r5","custom_id":"e~1~1","response":null,"error":{"code":"invalid_request","message":"bad body"}}
            not json
            """
        let answers = ProviderBatchFiles.answers(in: Array(lines.utf8))
        #expect(answers.map(\.customID) == ["b~1~1", "b~1~2", "d~1~1", "e~1~1"], "an expired request stays pending")
        #expect(answers[0].status == 200 && answers[0].body == "{\"choices\":[]}")
        #expect(answers[1].status == 429, "a status is classified by the engine, as for a synchronous answer")
        #expect(answers[2].errorClass == "dependency" && answers[2].error == "server_error: boom")
        #expect(answers[3].errorClass == "logic")
    }
}
